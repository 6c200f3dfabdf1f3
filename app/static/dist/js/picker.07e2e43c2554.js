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
