/* source: js/widget-api.js */
try {
(function () {
// Hexpack postMessage transport, shared by the sticker picker (Matrix widget API: picker.js,
// identity.js, store.js) and the integration manager (Scalar's API: manager.js): the one origin
// we talk to, request ids, answers and timeouts. Exposed as window.hexpackTransport.
"use strict";
(() => {
  const API_VERSIONS = ["0.0.1", "0.0.2", "org.matrix.msc2762", "org.matrix.msc2871", "org.matrix.msc2873"];

  // Element Desktop's parent is vector://vector/webapp/: URL.origin is "null" for custom
  // schemes, while the browser reports event.origin as "vector://vector".
  function originOf(url) {
    try {
      const u = new URL(url);
      return u.protocol + "//" + u.host;
    } catch (e) {
      return null;
    }
  }

  // Requests we posted and still wait on, settled by their answer or by a timeout.
  function pendingRequests(timeoutMs, timeoutMessage) {
    const waiting = new Map();
    let counter = 0;
    // Calls post(requestId); the promise (with .requestId) settles with the answer's response.
    function send(post) {
      const requestId = "hexpack-" + Date.now() + "-" + ++counter;
      const promise = new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(requestId);
          reject(new Error(timeoutMessage));
        }, timeoutMs);
        waiting.set(requestId, { resolve, reject, timer });
        post(requestId);
      });
      promise.requestId = requestId;
      return promise;
    }
    function settle(requestId, response) {
      const entry = waiting.get(requestId);
      if (!entry) return false;
      waiting.delete(requestId);
      clearTimeout(entry.timer);
      if (response && response.error) entry.reject(new Error(response.error.message || "request failed"));
      else entry.resolve(response);
      return true;
    }
    return { send, settle, has: (requestId) => waiting.has(requestId) };
  }

  // The JSON body of one of our API's answers; a non-2xx answer throws its error (status, errcode).
  async function jsonAnswer(response) {
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw Object.assign(new Error(data.error || "HTTP " + response.status),
                          { status: response.status, errcode: data.errcode });
    }
    return data;
  }

  // Who may talk to the widget: only window.parent, and only from one origin. Element Web and
  // Desktop name it in parentUrl. Element Android (and iOS) load the picker top-level in a
  // WebView with no parentUrl; their injected bridge talks to us on our own window and origin.
  // Another client that frames us without parentUrl gets its origin pinned from its first request.
  function initialPeer() {
    const params = new URLSearchParams(location.search);
    const widgetId = params.get("widgetId");
    const topLevel = window.parent === window;
    return { widgetId, origin: originOf(params.get("parentUrl")) || (topLevel && widgetId ? location.origin : null) };
  }

  // The widget side of the Matrix widget API. Call it before anything else: the client sends its
  // first request (capabilities) as soon as the iframe has loaded.
  function connectWidgetApi() {
    const peer = initialPeer();
    const requests = pendingRequests(10000, "the Matrix client did not answer");
    const events = eventHub();
    const answers = toWidgetAnswers(events);

    window.addEventListener("message", (event) => {
      const msg = acceptMessage(peer, event);
      if (!msg) return;
      if (msg.api === "toWidget" && !msg.response) {
        window.parent.postMessage(Object.assign({}, msg, { response: answers.answer(msg) }), peer.origin);
      } else if (msg.api === "fromWidget" && msg.response) {
        requests.settle(msg.requestId, msg.response);
      }
    });

    function sendRequest(action, data, extra) {
      if (!peer.origin) return Promise.reject(new Error("not inside a Matrix client"));
      return requests.send((requestId) => {
        const message = Object.assign({ api: "fromWidget", widgetId: peer.widgetId, requestId, action, data }, extra || {});
        window.parent.postMessage(message, peer.origin);
      });
    }

    return {
      sendRequest, on: events.on, emit: events.emit,
      get origin() { return peer.origin; },
      get widgetId() { return peer.widgetId; },
      get approved() { return answers.approved; },
    };
  }

  // The message if it is ours to handle: from our parent, from its pinned origin, for our widget.
  function acceptMessage(peer, event) {
    if (event.source !== window.parent) return null;
    const msg = event.data;
    if (!msg || typeof msg !== "object" || typeof msg.action !== "string" || !msg.requestId) return null;
    const request = msg.api === "toWidget" && !msg.response;
    if (!peer.origin && request) peer.origin = event.origin;
    if (event.origin !== peer.origin) return null;
    if (!peer.widgetId && request && typeof msg.widgetId === "string") peer.widgetId = msg.widgetId;
    if (peer.widgetId && msg.widgetId !== peer.widgetId) return null;
    return msg;
  }

  function eventHub() {
    const listeners = {};
    return {
      on(name, fn) { (listeners[name] = listeners[name] || []).push(fn); },
      emit(name, value) { (listeners[name] || []).forEach((fn) => fn(value)); },
    };
  }

  // Our response to each toWidget action; the page hears about them through events.
  function toWidgetAnswers(events) {
    let approved = [];
    let capabilitiesAsked = false;
    const notify = (name, value) => { events.emit(name, value); return {}; };
    const handlers = {
      capabilities() {
        // Asked once per load; a second request would be a renegotiation we do not offer.
        if (capabilitiesAsked) return { error: { message: "Capabilities were already negotiated" } };
        capabilitiesAsked = true;
        setTimeout(() => events.emit("ready"), 0); // after our reply is posted: the client now knows us
        return { capabilities: ["m.sticker"] };
      },
      notify_capabilities(data) {
        approved = Array.isArray(data.approved) ? data.approved : [];
        return {};
      },
      supported_api_versions: () => ({ supported_versions: API_VERSIONS }),
      visibility: (data, msg) => notify("visibility", data.visible !== undefined ? data.visible : msg.visible),
      theme_change: (data) => notify("theme_change", data.name),
      language_change: (data) => notify("language_change", data.lang),
      openid_credentials: (data) => notify("openid_credentials", data),
    };
    function answer(msg) {
      if (!Object.prototype.hasOwnProperty.call(handlers, msg.action)) {
        return { error: { message: "Unsupported action: " + msg.action } };
      }
      return handlers[msg.action](msg.data || {}, msg);
    }
    return { answer, get approved() { return approved; } };
  }

  window.hexpackTransport = { originOf, pendingRequests, jsonAnswer, connectWidgetApi };
})();
})();
} catch (error) { setTimeout(() => { throw error; }); }

/* source: js/picker-keys.js */
try {
(function () {
// Hexpack picker keyboard in the sticker grids (a roving tabindex): each grid is one Tab stop, its
// sticker last focused while shown, else its first. Arrow keys move by the grid's actual column count
// and go on into the next or previous grid, Home/End go to a grid's ends; Enter and Space send (a
// button's own click, handled by picker.js). Runs before picker.js, which uses
// window.hexpackGridKeys: bind() once the page is parsed, then moveTo, resetTabStops, firstSticker.
"use strict";
(() => {
  let main = null; // #packs, holding every grid
  let search = null; // the search box, where ArrowUp from the top row goes

  function bind(packs, searchBox) {
    main = packs;
    search = searchBox;
    main.addEventListener("keydown", onGridKey);
    // A sticker focused any other way (a click, Tab, a script) becomes its grid's tab stop.
    main.addEventListener("focusin", (event) => {
      if (event.target.matches("button.s")) setTabStop(event.target.closest(".grid"), event.target);
    });
  }

  function shownStickers(grid) {
    return [...grid.querySelectorAll("button.s")].filter((button) => !button.hidden);
  }

  function shownGrids() {
    return [...main.querySelectorAll(".grid")]
      .filter((grid) => grid.offsetParent && shownStickers(grid).length);
  }

  function setTabStop(grid, stop) {
    grid.querySelectorAll("button.s").forEach((button) => {
      const index = button === stop ? 0 : -1;
      if (button.tabIndex !== index || !button.hasAttribute("tabindex")) button.tabIndex = index;
    });
  }

  function resetTabStops() {
    main.querySelectorAll(".grid").forEach((grid) =>
      setTabStop(grid, grid.querySelector('button.s[tabindex="0"]:not([hidden])') || shownStickers(grid)[0]));
  }

  function columnsOf(grid) {
    return getComputedStyle(grid).gridTemplateColumns.split(" ").length;
  }

  function onGridKey(event) {
    const keys = ["ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp", "Home", "End"];
    if (!keys.includes(event.key) || !event.target.matches("button.s") || event.altKey || event.metaKey) return;
    event.preventDefault();
    const grids = shownGrids();
    const grid = event.target.closest(".grid");
    const at = { grids, grid: grids.indexOf(grid), stickers: shownStickers(grid), columns: columnsOf(grid) };
    at.index = at.stickers.indexOf(event.target);
    const next = keyTarget(event.key, at);
    if (next) moveTo(next);
    else if (event.key === "ArrowUp") search.focus(); // from the top row back to the search box
  }

  // The sticker a key leads to from at.index in grid at.grid, or null at the picker's ends.
  function keyTarget(key, at) {
    const { stickers, index, columns } = at;
    const column = index % columns;
    const lastRow = Math.floor((stickers.length - 1) / columns);
    switch (key) {
      case "Home": return stickers[0];
      case "End": return stickers[stickers.length - 1];
      case "ArrowRight": return stickers[index + 1] || neighbourGrid(at, 1, 0);
      case "ArrowLeft": return stickers[index - 1] || neighbourGrid(at, -1, Infinity);
      case "ArrowUp": return index >= columns ? stickers[index - columns] : neighbourGrid(at, -1, column, true);
      default: // ArrowDown: a short last row below is reached from any column
        if (Math.floor(index / columns) < lastRow) return stickers[Math.min(index + columns, stickers.length - 1)];
        return neighbourGrid(at, 1, column);
    }
  }

  // In the next (direction 1) or previous (-1) shown grid: the sticker at `position` of its first
  // row, or of its last row with `fromEnd`; positions past the end clamp to its last sticker.
  function neighbourGrid(at, direction, position, fromEnd) {
    const grid = at.grids[at.grid + direction];
    if (!grid) return null;
    const stickers = shownStickers(grid);
    const start = fromEnd ? Math.floor((stickers.length - 1) / columnsOf(grid)) * columnsOf(grid) : 0;
    return stickers[Math.min(start + position, stickers.length - 1)];
  }

  function moveTo(sticker) {
    setTabStop(sticker.closest(".grid"), sticker);
    sticker.focus();
    sticker.scrollIntoView({ block: "nearest" });
  }

  function firstSticker() {
    const grid = shownGrids()[0];
    return grid ? shownStickers(grid)[0] : null;
  }

  window.hexpackGridKeys = { bind, moveTo, resetTabStops, firstSticker };
})();
})();
} catch (error) { setTimeout(() => { throw error; }); }

/* source: js/picker-motion.js */
try {
(function () {
// Hexpack picker: when the first screen of stickers is painted, and animated stickers. Runs before
// picker.js, which uses window.hexpackMotion: afterFirstScreen(main, callback), then bind(main, widget).
// An animated sticker shows a still poster (src) and keeps the animation in data-anim: it plays while
// on screen once the first screen is painted, and on hover or keyboard focus, but never under
// prefers-reduced-motion (asking for it later stops every animation at once).
"use strict";
(() => {
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  let main = null;
  let observer = null;

  // Calls back once every sticker image on the first screen has loaded (or failed) and been painted.
  function afterFirstScreen(root, callback) {
    const height = window.innerHeight;
    const onScreen = [...root.querySelectorAll("button.s img")].filter((img) => {
      const box = img.getBoundingClientRect();
      return box.width > 0 && box.top < height && box.bottom > 0;
    });
    const pending = onScreen.filter((img) => img.dataset.src || !img.complete);
    let left = pending.length;
    let called = false;
    const done = () => requestAnimationFrame(() => requestAnimationFrame(() => {
      if (!called) { called = true; callback(); }
    }));
    if (left === 0) { done(); return; }
    setTimeout(done, 10000); // an image replaced before it loaded (identity.js) never reports
    const settle = () => { left -= 1; if (left === 0) done(); };
    pending.forEach((img) => {
      img.addEventListener("load", settle, { once: true });
      img.addEventListener("error", settle, { once: true });
    });
  }

  function bind(root, widget) {
    main = root;
    const play = (event) => {
      const button = event.target.closest && event.target.closest("button.s");
      const img = button && button.querySelector("img[data-anim]");
      if (img) animate(img);
    };
    main.addEventListener("pointerover", play);
    main.addEventListener("focusin", play);
    reducedMotion.addEventListener("change", () => {
      if (reducedMotion.matches) document.querySelectorAll("img[data-still]").forEach(still);
      else watch();
    });
    widget.on("packs", watch); // identity.js swapped in the user's own packs
    watch();
  }

  function watch() {
    if (!("IntersectionObserver" in window)) return;
    if (observer) observer.disconnect();
    observer = new IntersectionObserver((entries) => {
      entries.forEach((entry) => { if (entry.isIntersecting) animate(entry.target); });
    });
    main.querySelectorAll("img[data-anim]").forEach((img) => observer.observe(img));
  }

  function animate(img) {
    if (reducedMotion.matches || !img.dataset.anim || img.dataset.still) return;
    if (img.dataset.src) { // not loaded yet: load the animation straight away
      img.dataset.still = img.dataset.src;
      img.dataset.src = img.dataset.anim;
    } else {
      img.dataset.still = img.getAttribute("src");
      img.src = img.dataset.anim;
    }
  }

  function still(img) {
    if (img.dataset.src) img.dataset.src = img.dataset.still;
    else img.src = img.dataset.still;
    img.removeAttribute("data-still");
  }

  window.hexpackMotion = { afterFirstScreen, bind };
})();
})();
} catch (error) { setTimeout(() => { throw error; }); }

/* source: js/picker.js */
try {
(function () {
// Hexpack sticker picker: the picker UI over the Matrix widget API (widget-api.js), with the grids'
// keyboard from picker-keys.js (window.hexpackGridKeys) and animated stickers from picker-motion.js.
"use strict";
(() => {
  const keys = window.hexpackGridKeys;
  const motion = window.hexpackMotion;
  // Connected before anything else so the client's first request (sent on iframe load) is never missed.
  const widget = window.hexpackTransport.connectWidgetApi();
  // Shared with identity.js and store.js: the transport, module events, the status toast,
  // image loading and search terms.
  window.hexpackWidget = widget;
  Object.assign(widget, { say, load, lazyLoad, searchTerms });
  widget.on("theme_change", applyTheme);
  widget.on("language_change", (lang) => { if (typeof lang === "string") document.documentElement.lang = lang; });

  const RECENT_KEY = "hexpackRecentStickers";
  const RECENT_MAX = 16;
  let dom = null; // the page's fixed parts, once the grid is parsed
  let statusTimer = null;
  let firstScreenDone = false; // lazy images then load ahead of scrolling, and animations play

  function applyTheme(name) {
    document.documentElement.dataset.theme = /dark|black/i.test(name || "") ? "dark" : "light";
  }

  function start() {
    dom = {
      main: document.getElementById("packs"),
      status: document.getElementById("status"),
      search: document.getElementById("search"),
      tabs: document.querySelector(".tabs"),
    };
    keys.bind(dom.main, dom.search); // first: renderRecent() below resets the grids' tab stops
    lazyLoad(dom.main.querySelectorAll("img[data-src]"));
    // Pack icons and animations wait until the first screen of stickers is painted: they
    // would share its bandwidth (icons wait in data-src so the preload scanner skips them).
    motion.afterFirstScreen(dom.main, () => {
      firstScreenDone = true;
      document.querySelectorAll(".tab img[data-src]").forEach(load);
      lazyLoad(dom.main.querySelectorAll("img[data-src]"));
      motion.bind(dom.main, widget);
    });
    renderRecent();
    markActiveTab();
    bindGrid();
    bindSearch();
    bindTabs();
    dom.status.addEventListener("click", () => say(""));
    widget.on("visibility", (visible) => { if (visible) dom.search.focus({ preventScroll: true }); });
    bindStoreButton();
  }

  // One status toast for every module.
  function say(text) {
    if (!dom) return;
    clearTimeout(statusTimer);
    dom.status.textContent = text;
    if (text) statusTimer = setTimeout(() => { dom.status.textContent = ""; }, 8000);
  }

  function bindGrid() {
    dom.main.addEventListener("click", (event) => {
      const button = event.target.closest("button.s");
      if (button) sendSticker(button);
    });
  }

  function bindSearch() {
    dom.search.addEventListener("input", () => filter(dom.search.value));
    dom.search.addEventListener("keydown", onSearchKey);
  }

  function bindTabs() {
    dom.tabs.addEventListener("click", (event) => {
      // Scroll without touching location.hash: a fragment change would add an entry to the
      // client's history, and the Back button would scroll us instead of leaving the room.
      const tab = event.target.closest("a.tab");
      const target = tab && document.getElementById(tab.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      target.scrollIntoView({ block: "start" });
    });
    let ticking = false;
    window.addEventListener("scroll", () => {
      if (ticking) return;
      ticking = true;
      requestAnimationFrame(() => { ticking = false; markActiveTab(); });
    }, { passive: true });
  }

  function markActiveTab() {
    const tabs = dom.tabs;
    const top = document.querySelector(".bar").offsetHeight + 8;
    let current = null;
    document.querySelectorAll(".pack:not([hidden])").forEach((section) => {
      if (section.getBoundingClientRect().top <= top || !current) current = section;
    });
    tabs.querySelectorAll(".tab").forEach((tab) => {
      const active = !!current && tab.getAttribute("href") === "#" + current.id;
      tab.classList.toggle("active", active);
      if (active && (tab.offsetLeft < tabs.scrollLeft || tab.offsetLeft + tab.offsetWidth > tabs.scrollLeft + tabs.clientWidth)) {
        tabs.scrollLeft = tab.offsetLeft - (tabs.clientWidth - tab.offsetWidth) / 2;
      }
    });
  }

  function sendSticker(button) {
    const body = button.querySelector("img").alt;
    const mxc = button.dataset.mxc;
    if (!mxc) {
      say("Can’t send “" + body + "” yet: it isn’t on the homeserver (the operator uploads it there).");
      return;
    }
    const data = { name: body, description: body, content: stickerContent(button, body, mxc) };
    // Element iOS reads a top-level widgetData copy; Android reads content.body.
    widget.sendRequest("m.sticker", data, { widgetData: JSON.parse(JSON.stringify(data)) })
      .then(() => say(""))
      .catch((error) => say("Could not send the sticker: " + error.message));
    remember(button);
  }

  function stickerContent(button, body, mxc) {
    const [w, h, mimetype, size] = button.dataset.info.split(",");
    const info = { w: +w, h: +h, mimetype, size: +size, thumbnail_url: mxc,
                   thumbnail_info: { w: +w, h: +h, mimetype, size: +size } };
    return { body, url: mxc, info };
  }

  function remember(button) {
    const entry = { id: button.dataset.stickerId };
    const recent = loadRecent().filter((item) => item.id !== entry.id);
    recent.unshift(entry);
    try {
      localStorage.setItem(RECENT_KEY, JSON.stringify(recent.slice(0, RECENT_MAX)));
    } catch (e) { /* storage may be blocked in a third-party iframe: recents are optional */ }
    const fromRecent = button.closest("#recent") && document.activeElement === button;
    renderRecent();
    // The recent row is rebuilt with this sticker first: keep the keyboard on it.
    if (fromRecent) keys.moveTo(document.querySelector("#recent button.s"));
  }

  function loadRecent() {
    try {
      const list = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function renderRecent() {
    // Only stickers still in the page are shown: a removed pack drops out of recents.
    const buttons = loadRecent()
      .map((item) => document.querySelector('.pack:not(#recent) button.s[data-sticker-id="' + CSS.escape(String(item.id)) + '"]'))
      .filter(Boolean);
    const section = document.getElementById("recent");
    section.querySelector(".grid").replaceChildren(...buttons.map((b) => {
      const copy = b.cloneNode(true);
      const img = copy.querySelector("img");
      if (img.dataset.src) load(img);
      return copy;
    }));
    // While a search is active the recent row stays hidden (its stickers show in their packs).
    section.hidden = buttons.length === 0 || dom.search.value.trim() !== "";
    document.getElementById("recent-tab").hidden = buttons.length === 0;
    keys.resetTabStops();
  }

  // Lower-cased words of a search box (the sticker search here, the pack search in store.js).
  function searchTerms(text) {
    return text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  }

  function filter(text) {
    const terms = searchTerms(text);
    let shown = 0;
    document.querySelectorAll(".pack").forEach((section) => {
      let any = false;
      section.querySelectorAll("button.s").forEach((button) => {
        const hay = (button.firstElementChild.alt + " " + (button.dataset.k || "")).toLowerCase();
        const match = terms.every((term) => hay.includes(term));
        button.hidden = !match;
        any = any || match;
      });
      section.hidden = !any || (section.id === "recent" && (terms.length > 0 || !any));
      if (any) shown++;
    });
    document.getElementById("no-results").hidden = shown > 0;
    if (terms.length === 0) renderRecent();
    else keys.resetTabStops();
    markActiveTab();
  }

  function onSearchKey(event) {
    const search = dom.search;
    if (event.key === "ArrowDown" || (event.key === "Enter" && search.value.trim())) {
      // Enter or Down moves into the results; Enter on a sticker then sends it.
      const first = keys.firstSticker();
      if (first) { keys.moveTo(first); event.preventDefault(); }
    } else if (event.key === "Escape" && search.value) {
      search.value = "";
      filter("");
      event.preventDefault();
    }
  }

  // The store tab's scripts (data-script: URLs in the order they run) load on the first sign of
  // interest in it (pointer, focus, click), so they cost the sticker grid's first paint nothing.
  function bindStoreButton() {
    const button = document.getElementById("store-button");
    if (!button) return;
    let loading = null;
    const loadStore = () => {
      loading = loading || Promise.all(button.dataset.script.split(" ").map(loadScript))
        .catch((error) => { loading = null; throw error; });
      return loading;
    };
    ["pointerenter", "focus", "touchstart"].forEach((name) =>
      button.addEventListener(name, () => loadStore().catch(() => {}), { once: true, passive: true }));
    button.addEventListener("click", () => {
      loadStore().then(() => widget.store.toggle())
        .catch((error) => say("Sorry, " + error.message + "."));
    });
  }

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.async = false; // fetched together, run in order
      script.onload = resolve;
      script.onerror = () => reject(new Error("the store could not be loaded"));
      document.head.append(script);
    });
  }

  // Until the first screen is painted only images on it load; afterwards the next ones load a
  // little ahead of scrolling.
  function lazyLoad(images) {
    if (!("IntersectionObserver" in window)) {
      images.forEach(load);
      return;
    }
    const observer = new IntersectionObserver((entries) => {
      entries.forEach((entry) => {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          if (entry.target.dataset.src) load(entry.target);
        }
      });
    }, { rootMargin: firstScreenDone ? "256px" : "0px" });
    images.forEach((img) => observer.observe(img));
  }

  function load(img) {
    if (!img.dataset.src) return;
    img.src = img.dataset.src;
    img.removeAttribute("data-src");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
})();
} catch (error) { setTimeout(() => { throw error; }); }

/* source: js/identity.js */
try {
(function () {
// Hexpack picker identity: who is this user, and their own packs.
// With a valid scalar_token in the URL the server already rendered the user's picker. Otherwise we
// ask the Matrix client for an OpenID token (widget API get_openid, MSC1960), exchange it at
// POST /api/v1/session for our bearer token (kept in memory only, never a cookie), and swap in
// the user's picker, fetched from the same URL with that token. Uses window.hexpackWidget
// (picker.js, widget-api.js) for the widget API transport, whose parent origin may be pinned only by
// the client's first request (no parentUrl), and adds window.hexpackWidget.identity for store.js:
// the token, its state, an authorised fetch and refresh() of the user's picker.
"use strict";
(() => {
  const widget = window.hexpackWidget;
  if (!widget) return;
  const params = new URLSearchParams(location.search);
  const identified = document.documentElement.dataset.identified === "true";
  let token = identified ? params.get("scalar_token") || params.get("access_token") : null;
  // signed-in | signing-in (asking, or about to) | declined | failed; read as no-client while no
  // client has been heard from (nobody to ask).
  let state = token ? "signed-in" : "signing-in";
  let etag = null;
  let openIdRequestId = null; // requestId of our get_openid, named by the delayed openid_credentials
  let pendingConsent = null; // {resolve, reject} until the client's openid_credentials push

  class Declined extends Error {}

  const say = widget.say;

  // The Matrix client we can ask: named by parentUrl, or pinned by its first request.
  function hasClient() {
    return !!widget.origin;
  }

  function setState(next) {
    state = next;
    widget.emit("identity", next);
  }

  widget.on("openid_credentials", (data) => {
    if (!pendingConsent || !data) return;
    if (openIdRequestId && data.original_request_id !== openIdRequestId) return;
    const { resolve, reject } = pendingConsent;
    pendingConsent = null;
    openIdRequestId = null;
    if (data.state === "allowed") resolve(data);
    else reject(new Declined("declined"));
  });

  function requestOpenId() {
    const call = widget.sendRequest("get_openid", {});
    openIdRequestId = call.requestId;
    return call.then((response) => {
      if (response.state === "allowed") return response;
      if (response.state === "blocked") throw new Declined("blocked");
      if (response.state === "request") {
        say("Allow Hexpack to verify your identity in your Matrix client to see your own packs.");
        return new Promise((resolve, reject) => { pendingConsent = { resolve, reject }; });
      }
      throw new Error("unexpected answer from the client");
    });
  }

  async function signIn() {
    setState("signing-in");
    try {
      const credentials = await requestOpenId();
      const body = {
        access_token: credentials.access_token,
        token_type: credentials.token_type,
        matrix_server_name: credentials.matrix_server_name,
        expires_in: credentials.expires_in,
      };
      const response = await fetch("/api/v1/session", {
        method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await window.hexpackTransport.jsonAnswer(response);
      if (!data.token) throw new Error("sign-in failed");
      token = data.token;
    } catch (error) {
      setState(error instanceof Declined ? "declined" : "failed");
      throw error;
    }
    setState("signed-in");
    say("");
  }

  // fetch() with our token; an expired or revoked token (401) signs in again once and retries.
  async function authorizedFetch(url, options = {}, retry = true) {
    if (!token) throw new Declined("no Matrix identity");
    const headers = Object.assign({}, options.headers, { Authorization: "Bearer " + token });
    const response = await fetch(url, Object.assign({ credentials: "omit" }, options, { headers }));
    if (response.status !== 401 || !retry || !hasClient()) return response;
    await signInAgain();
    return authorizedFetch(url, options, false);
  }

  // Our token expired or was revoked: forget it and what it fetched, and ask the client again.
  function signInAgain() {
    token = null;
    etag = null;
    return signIn();
  }

  function pageUrl() {
    const query = new URLSearchParams(location.search);
    query.delete("scalar_token");
    query.delete("access_token");
    const text = query.toString();
    return location.pathname + (text ? "?" + text : "");
  }

  // Re-fetch the user's picker (a cheap 304 when nothing changed) and swap in what changed.
  // Calls that arrive while one runs are folded into one more run after it.
  let refreshing = null;
  let refreshAgain = false;
  function refresh() {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          refreshAgain = false;
          await fetchPicker(true);
        } while (refreshAgain);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function fetchPicker(retry) {
    if (!token) return;
    const headers = { Authorization: "Bearer " + token };
    if (etag) headers["If-None-Match"] = etag;
    const response = await fetch(pageUrl(), { headers, credentials: "omit", cache: "no-store" });
    if (response.status === 304) return;
    if (!response.ok) throw new Error("could not load your packs (" + response.status + ")");
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    if (doc.documentElement.dataset.identified !== "true") {
      // Our token expired or was revoked: sign in again once.
      if (retry && hasClient()) {
        await signInAgain();
        return fetchPicker(false);
      }
      token = null;
      etag = null;
      setState(hasClient() ? "failed" : "no-client");
      return;
    }
    etag = response.headers.get("ETag");
    swap(doc);
    document.documentElement.dataset.identified = "true"; // as if the server had rendered it for the user
    widget.emit("packs"); // store.js: a bought pack may have arrived
  }

  function swap(doc) {
    const nav = document.querySelector("nav.tabs");
    const main = document.getElementById("packs");
    const newNav = doc.querySelector("nav.tabs");
    const newMain = doc.getElementById("packs");
    if (!nav || !main || !newNav || !newMain) return;
    const recentTab = document.getElementById("recent-tab");
    const recentHidden = recentTab ? recentTab.hidden : true;
    nav.replaceChildren(...[...newNav.children].map((node) => document.importNode(node, true)));
    const freshRecentTab = document.getElementById("recent-tab");
    if (freshRecentTab) freshRecentTab.hidden = recentHidden;
    nav.querySelectorAll("img[data-src]").forEach(widget.load); // pack icons, if the page defers them
    addManageButton();

    const recent = document.getElementById("recent");
    const noResults = document.getElementById("no-results");
    [...main.children].forEach((node) => { if (node !== recent && node !== noResults) node.remove(); });
    const fresh = [...newMain.children].filter((node) => node.id !== "recent" && node.id !== "no-results")
      .map((node) => document.importNode(node, true));
    const favourites = fresh.filter((node) => node.id === "pack-_favourites");
    const packs = fresh.filter((node) => node.id !== "pack-_favourites");
    main.insertBefore(fragment(favourites), recent || main.firstChild);
    main.insertBefore(fragment(packs), noResults);
    widget.lazyLoad(main.querySelectorAll("img[data-src]"));
    // Let picker.js re-apply the search and rebuild "recently used" against the new packs.
    const search = document.getElementById("search");
    if (search) search.dispatchEvent(new Event("input"));
  }

  function fragment(nodes) {
    const result = document.createDocumentFragment();
    nodes.forEach((node) => result.append(node));
    return result;
  }

  // "Manage" opens Element's integration manager at our sticker picker screen (Element only).
  function addManageButton() {
    const nav = document.querySelector("nav.tabs");
    if (!nav || !widget.widgetId || !hasClient() || document.getElementById("hexpack-manage")) return;
    const button = document.createElement("a");
    button.className = "tab";
    button.id = "hexpack-manage";
    button.href = "#";
    button.setAttribute("role", "button");
    button.title = "Manage your sticker packs";
    button.textContent = "\u2699";
    button.addEventListener("click", (event) => {
      event.preventDefault();
      widget.sendRequest("integration_manager_open", { integType: "m.stickerpicker", integId: widget.widgetId })
        .catch((error) => say("Your client could not open the integration manager: " + error.message));
    });
    nav.prepend(button);
  }

  // Right-click (long-press on touch screens) stars or unstars a sticker.
  function bindFavourites() {
    const main = document.getElementById("packs");
    if (!main) return;
    main.addEventListener("contextmenu", (event) => {
      const button = event.target.closest("button.s");
      if (!button || !token) return;
      event.preventDefault();
      const id = button.dataset.stickerId;
      const starred = !!main.querySelector('#pack-_favourites button.s[data-sticker-id="' + CSS.escape(id) + '"]');
      authorizedFetch("/api/v1/me/favourites/" + encodeURIComponent(id), {
        method: starred ? "DELETE" : "PUT",
      }).then(window.hexpackTransport.jsonAnswer).then(() => {
        say(starred ? "Removed from favourites." : "Added to favourites.");
        return refresh();
      }).catch((error) => say("Could not change your favourites: " + error.message));
    });
  }

  widget.on("visibility", (visible) => {
    // Back from the store or the integration manager: show new packs without a reload.
    if (visible && token) refresh().catch(() => {});
  });

  addManageButton();
  widget.on("ready", addManageButton); // a client pinned by its first request (no parentUrl)
  bindFavourites();
  // Ask for the user's identity once the client has started talking to us (capabilities); without
  // parentUrl that first request is also what pinned the client's origin.
  if (!token) widget.on("ready", startSignIn);

  // Signs in (once at a time; again later if the store asks after a refusal).
  let signingIn = null;
  function startSignIn() {
    if (token || !hasClient()) return Promise.resolve();
    signingIn = signingIn || signIn()
      .then(() => refresh())
      .catch((error) => {
        // Declining is a fine answer: the free picker keeps working, so no toast covers it.
        if (error instanceof Declined) console.info("Hexpack: no Matrix identity shared; showing free packs.");
        else say("Could not sign you in (" + error.message + "): showing free packs.");
      })
      .finally(() => { signingIn = null; });
    return signingIn;
  }

  widget.identity = {
    get token() { return token; },
    get state() { return state === "signing-in" && !hasClient() ? "no-client" : state; },
    fetch: authorizedFetch,
    refresh,
    signIn: startSignIn,
  };
})();
})();
} catch (error) { setTimeout(() => { throw error; }); }
