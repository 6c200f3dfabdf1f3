// Hexpack sticker picker: the Matrix widget API over postMessage, and the picker UI.
"use strict";
(() => {
  // --- Widget API transport. Registered before anything else so the client's first
  // request (sent on iframe load) is never missed.
  const params = new URLSearchParams(location.search);
  let widgetId = params.get("widgetId");
  // Who may talk to us: only window.parent, and only from one origin. Element Web and
  // Desktop name it in parentUrl. Element Android (and iOS) load the picker top-level in a
  // WebView with no parentUrl; their injected bridge talks to us on our own window and
  // origin. Another client that frames us without parentUrl gets its origin pinned from
  // its first request.
  const topLevel = window.parent === window;
  let parentOrigin = originOf(params.get("parentUrl")) || (topLevel && widgetId ? location.origin : null);
  const pending = new Map();
  const API_VERSIONS = ["0.0.1", "0.0.2", "org.matrix.msc2762", "org.matrix.msc2871", "org.matrix.msc2873"];
  const listeners = {};
  let approved = [];
  let capabilitiesAsked = false;

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const msg = event.data;
    if (!msg || typeof msg !== "object" || typeof msg.action !== "string" || !msg.requestId) return;
    const request = msg.api === "toWidget" && !msg.response;
    if (!parentOrigin && request) parentOrigin = event.origin;
    if (event.origin !== parentOrigin) return;
    if (!widgetId && request && typeof msg.widgetId === "string") widgetId = msg.widgetId;
    if (widgetId && msg.widgetId !== widgetId) return;
    if (request) {
      reply(msg, handleRequest(msg));
    } else if (msg.api === "fromWidget" && msg.response && pending.has(msg.requestId)) {
      const { resolve, reject, timer } = pending.get(msg.requestId);
      pending.delete(msg.requestId);
      clearTimeout(timer);
      if (msg.response.error) reject(new Error(msg.response.error.message || "request failed"));
      else resolve(msg.response);
    }
  });

  function originOf(url) {
    // Element Desktop's parent is vector://vector/webapp/: URL.origin is "null" for custom
    // schemes, while the browser reports event.origin as "vector://vector".
    try {
      const u = new URL(url);
      return u.protocol + "//" + u.host;
    } catch (e) {
      return null;
    }
  }

  function reply(request, response) {
    window.parent.postMessage(Object.assign({}, request, { response }), parentOrigin);
  }

  function handleRequest(msg) {
    const data = msg.data || {};
    switch (msg.action) {
      case "capabilities":
        // Asked once per load; a second request would be a renegotiation we do not offer.
        if (capabilitiesAsked) return { error: { message: "Capabilities were already negotiated" } };
        capabilitiesAsked = true;
        setTimeout(() => emit("ready"), 0); // after our reply is posted: the client now knows us
        return { capabilities: ["m.sticker"] };
      case "notify_capabilities":
        approved = Array.isArray(data.approved) ? data.approved : [];
        return {};
      case "supported_api_versions":
        return { supported_versions: API_VERSIONS };
      case "visibility":
        emit("visibility", data.visible !== undefined ? data.visible : msg.visible);
        return {};
      case "theme_change":
        applyTheme(data.name);
        return {};
      case "language_change":
        if (typeof data.lang === "string") document.documentElement.lang = data.lang;
        return {};
      case "openid_credentials":
        emit("openid_credentials", data);
        return {};
      default:
        return { error: { message: "Unsupported action: " + msg.action } };
    }
  }

  function emit(name, value) {
    (listeners[name] || []).forEach((fn) => fn(value));
  }

  function on(name, fn) {
    (listeners[name] = listeners[name] || []).push(fn);
  }

  let counter = 0;
  function sendRequest(action, data, extra) {
    if (!parentOrigin) return Promise.reject(new Error("not inside a Matrix client"));
    const requestId = "hexpack-" + Date.now() + "-" + ++counter;
    const message = Object.assign({ api: "fromWidget", widgetId, requestId, action, data }, extra || {});
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(requestId);
        reject(new Error("the Matrix client did not answer"));
      }, 10000);
      pending.set(requestId, { resolve, reject, timer });
      window.parent.postMessage(message, parentOrigin);
    });
  }

  function applyTheme(name) {
    document.documentElement.dataset.theme = /dark|black/i.test(name || "") ? "dark" : "light";
  }

  // Shared with identity.js and store.js: the transport, module events (emit/on) and image loading.
  window.hexpackWidget = { sendRequest, on, emit, load, lazyLoad, get approved() { return approved; } };

  // --- Picker UI, once the grid is parsed.
  const RECENT_KEY = "hexpackRecentStickers";
  const RECENT_MAX = 16;

  function start() {
    const main = document.getElementById("packs");
    const status = document.getElementById("status");
    const search = document.getElementById("search");
    const tabs = document.querySelector(".tabs");
    let statusTimer = null;
    // Pack icons come after the first screen of stickers (they wait in data-src so the
    // preload scanner queues the grid first).
    document.querySelectorAll(".tab img[data-src]").forEach(load);
    lazyLoad(document.querySelectorAll("img[data-src]"));
    renderRecent();
    markActiveTab();

    main.addEventListener("click", (event) => {
      const button = event.target.closest("button.s");
      if (button) sendSticker(button);
    });
    main.addEventListener("keydown", onGridKey);
    search.addEventListener("input", () => filter(search.value));
    search.addEventListener("keydown", onSearchKey);
    status.addEventListener("click", () => say(""));
    tabs.addEventListener("click", (event) => {
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
    on("visibility", (visible) => { if (visible) search.focus({ preventScroll: true }); });
    bindStoreButton();

    function say(text) {
      clearTimeout(statusTimer);
      status.textContent = text;
      if (text) statusTimer = setTimeout(() => { status.textContent = ""; }, 8000);
    }
    window.hexpackWidget.say = say; // one status toast for every module (identity.js)

    function markActiveTab() {
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
      const img = button.querySelector("img");
      const body = img.alt;
      const mxc = button.dataset.mxc;
      if (!mxc) {
        say("Can’t send “" + body + "” yet: it isn’t published to the homeserver.");
        return;
      }
      const [w, h, mimetype, size] = button.dataset.info.split(",");
      const info = { w: +w, h: +h, mimetype, size: +size, thumbnail_url: mxc,
                     thumbnail_info: { w: +w, h: +h, mimetype, size: +size } };
      const content = { body, url: mxc, info };
      const data = { name: body, description: body, content };
      // Element iOS reads a top-level widgetData copy; Android reads content.body.
      sendRequest("m.sticker", data, { widgetData: JSON.parse(JSON.stringify(data)) })
        .then(() => say(""))
        .catch((error) => say("Could not send the sticker: " + error.message));
      remember(button);
    }

    function remember(button) {
      const entry = { id: button.dataset.stickerId };
      const recent = loadRecent().filter((item) => item.id !== entry.id);
      recent.unshift(entry);
      try {
        localStorage.setItem(RECENT_KEY, JSON.stringify(recent.slice(0, RECENT_MAX)));
      } catch (e) { /* storage may be blocked in a third-party iframe: recents are optional */ }
      renderRecent();
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
      const grid = section.querySelector(".grid");
      grid.replaceChildren(...buttons.map((b) => {
        const copy = b.cloneNode(true);
        const img = copy.querySelector("img");
        if (img.dataset.src) { img.src = img.dataset.src; img.removeAttribute("data-src"); }
        return copy;
      }));
      // While a search is active the recent row stays hidden (its stickers show in their packs).
      section.hidden = buttons.length === 0 || search.value.trim() !== "";
      document.getElementById("recent-tab").hidden = buttons.length === 0;
    }

    function filter(text) {
      const terms = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
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
      markActiveTab();
    }

    function visibleButtons() {
      return [...document.querySelectorAll("button.s")].filter((b) => b.offsetParent);
    }

    function onSearchKey(event) {
      if (event.key === "ArrowDown" || (event.key === "Enter" && search.value.trim())) {
        // Enter or Down moves into the results; Enter on a sticker then sends it.
        const first = visibleButtons()[0];
        if (first) { first.focus(); event.preventDefault(); }
      } else if (event.key === "Escape" && search.value) {
        search.value = "";
        filter("");
        event.preventDefault();
      }
    }

    function onGridKey(event) {
      const keys = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 1, ArrowUp: -1, Home: 0, End: 0 };
      if (!(event.key in keys) || !event.target.matches("button.s")) return;
      const buttons = visibleButtons();
      const index = buttons.indexOf(event.target);
      let next;
      if (event.key === "Home") next = buttons[0];
      else if (event.key === "End") next = buttons[buttons.length - 1];
      else if (event.key === "ArrowLeft" || event.key === "ArrowRight") next = buttons[index + keys[event.key]];
      else next = rowNeighbour(buttons, event.target, keys[event.key]);
      if (!next && event.key === "ArrowUp") next = search;  // from the top row back to the search box
      if (next) { next.focus(); if (next !== search) next.scrollIntoView({ block: "nearest" }); event.preventDefault(); }
    }

    // The sticker in the next row up or down (packs may end in a short row) nearest in x.
    function rowNeighbour(buttons, from, direction) {
      const here = from.getBoundingClientRect();
      const x = here.left + here.width / 2;
      let best = null, bestRow = null, bestDx = Infinity;
      buttons.forEach((b) => {
        const r = b.getBoundingClientRect();
        const dy = (r.top - here.top) * direction;
        if (dy < 1) return;
        if (bestRow === null || dy < bestRow - 1) { bestRow = dy; best = null; bestDx = Infinity; }
        if (Math.abs(dy - bestRow) < 1) {
          const dx = Math.abs(r.left + r.width / 2 - x);
          if (dx < bestDx) { best = b; bestDx = dx; }
        }
      });
      return best;
    }
  }

  // The store tab's script loads on the first sign of interest in it (pointer, focus, click),
  // so it costs the sticker grid's first paint nothing.
  function bindStoreButton() {
    const button = document.getElementById("store-button");
    if (!button) return;
    let loading = null;
    const loadStore = () => {
      loading = loading || new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = button.dataset.script;
        script.onload = resolve;
        script.onerror = () => { loading = null; reject(new Error("the store could not be loaded")); };
        document.head.append(script);
      });
      return loading;
    };
    ["pointerenter", "focus", "touchstart"].forEach((name) =>
      button.addEventListener(name, () => loadStore().catch(() => {}), { once: true, passive: true }));
    button.addEventListener("click", () => {
      loadStore().then(() => window.hexpackWidget.store.toggle())
        .catch((error) => window.hexpackWidget.say("Sorry, " + error.message + "."));
    });
  }

  function lazyLoad(images) {
    if (!("IntersectionObserver" in window)) {
      images.forEach(load);
      return;
    }
    const observer = new IntersectionObserver((entries) => {
      entries.forEach((entry) => {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          load(entry.target);
        }
      });
    }, { rootMargin: "64px" });
    images.forEach((img) => observer.observe(img));
  }

  function load(img) {
    img.src = img.dataset.src;
    img.removeAttribute("data-src");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
