// Hexpack store tab: the published packs, a page at a time (GET /api/v1/store and its `next` cursor:
// more load as the "More packs" button scrolls into view or is chosen), with Add (free packs) and Buy (Stripe Checkout in a new
// tab, since Checkout cannot be framed and the picker's sandbox forbids top navigation). Loaded on
// demand by picker.js after store-render.js (window.hexpackStoreView: the rows and the note); uses
// window.hexpackWidget (say, on, searchTerms), its identity (identity.js: token, authorised fetch,
// refresh of the user's picker) and window.hexpackTransport.jsonAnswer.
// Search runs in the loaded rows while the whole catalogue is loaded, on the server (?q=) otherwise.
// After Buy it refreshes the picker every few seconds while it is visible, until the pack shows up.
"use strict";
(() => {
  const storeView = window.hexpackStoreView;
  const el = storeView.el;
  const widget = window.hexpackWidget;
  const identity = widget.identity;
  const say = widget.say;
  const answer = window.hexpackTransport.jsonAnswer;
  const POLL_EVERY = 3000;
  const POLL_FOR = 15 * 60 * 1000; // most buyers pay within minutes; visibility refreshes after that
  const button = document.getElementById("store-button");
  const view = document.getElementById("store");
  const main = document.getElementById("packs");
  const tabs = document.querySelector("nav.tabs");
  const search = document.getElementById("search");
  const heading = el("h2", { tabIndex: -1 }, "Store");
  const note = el("p", { className: "store-note", hidden: true });
  const list = el("ul", { className: "store-list" });
  const empty = el("p", { className: "empty" }, "Loading the store…");
  empty.setAttribute("role", "status"); // loading, failed, nothing found: said as it changes
  const more = el("button", { type: "button", className: "link store-more", hidden: true }, "More packs");
  view.append(heading, note, list, empty, more);
  const SEARCH_DELAY = 250;
  let catalogue = null; // the answers of GET /api/v1/store so far: their packs, and the last `next`
  let loadedFor = undefined; // the token that answer was for
  let loadedQuery = ""; // the search (?q=) it answered
  let loading = null; // the request running now, so a newer one makes its answer stale
  let searchTimer = null;
  let scrollBefore = 0;
  const pending = new Map(); // slug -> name of packs bought here that the picker does not show yet
  const busy = new Map(); // slug -> label, while its Add or Buy request runs
  const payLinks = new Map(); // slug -> Checkout URL, when the browser blocked the new tab
  const checkoutTabs = new Map(); // slug -> the tab we opened for its Checkout
  let pollTimer = null;
  let pollUntil = 0;
  let widgetVisible = true;
  // What store-render.js draws each row from.
  const inPicker = (slug) => !!document.getElementById("pack-" + slug);
  // selling(): the server takes payments at all (a paid pack may still be paused: its creator cannot be paid yet).
  const shop = { inPicker, pending, busy, payLinks, add: addPack, buy, selling: () => !!(catalogue && catalogue.payments) };
  const isOpen = () => !view.hidden;
  const toggle = () => (isOpen() ? close() : open());
  function open() {
    scrollBefore = window.scrollY;
    show(true);
    heading.focus({ preventScroll: true });
    if (!catalogue || loadedFor !== token() || loadedQuery) load("");
    else render();
  }
  const close = () => show(false);
  // The store in place of the stickers (storeShown) or back; each keeps its own scroll position.
  function show(storeShown) {
    storeView.resetSearch(search, storeShown ? "Search the store" : "Search stickers");
    view.hidden = !storeShown;
    main.hidden = storeShown;
    tabs.hidden = storeShown;
    button.setAttribute("aria-expanded", String(storeShown));
    button.textContent = storeShown ? "Stickers" : "Store";
    window.scrollTo(0, storeShown ? 0 : scrollBefore);
  }
  const token = () => (identity ? identity.token : null);
  // The first page for `query` (replacing what is shown), or with `append` the page after the last.
  async function load(query, append) {
    const request = {};
    loading = request;
    const url = storeView.storeUrl(query, append ? catalogue.next : null);
    try {
      const response = token() ? await identity.fetch(url) : await fetch(url, { credentials: "omit" });
      const page = await answer(response);
      if (loading !== request) return; // a newer search or page was asked for meanwhile
      if (append) catalogue = Object.assign(page, { packs: catalogue.packs.concat(page.packs) });
      else catalogue = page;
      loadedFor = token();
      loadedQuery = query;
      render();
    } catch (error) {
      if (loading !== request) return;
      if (!catalogue) showLoadFailure(error);
      else say("Could not load more packs: " + (error.status ? error.message : "the server did not answer"));
    } finally {
      if (loading === request) { loading = null; more.disabled = false; }
    }
  }
  function loadMore() {
    if (loading || !catalogue || !catalogue.next) return;
    more.disabled = true;
    more.textContent = "Loading more packs…";
    load(loadedQuery, true);
  }
  more.addEventListener("click", () => {
    const last = list.querySelector("li.item:last-child .item-link");
    loadMore();
    if (last) last.focus({ preventScroll: true }); // the button goes while the next page loads
  });
  if ("IntersectionObserver" in window) { // scrolling to the end loads the next page
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && isOpen()) loadMore();
    }).observe(more);
  }
  // The whole catalogue is here: search the loaded rows, no server needed.
  function complete() {
    return !!catalogue && !loadedQuery && !catalogue.next;
  }
  function showLoadFailure(error) {
    const reason = error.status ? error.message : "the server did not answer";
    const retry = el("button", { type: "button", className: "link" }, "Retry");
    retry.addEventListener("click", () => {
      heading.focus({ preventScroll: true }); // where opening the store puts it, as this button goes
      empty.textContent = "Loading the store…";
      load(search.value.trim());
    });
    empty.replaceChildren("Could not load the store (" + reason + "). ", retry);
  }
  function render() {
    renderNote();
    if (!catalogue) return;
    // Keep the keyboard focus on the same control of the same pack across the re-render.
    const focused = document.activeElement;
    const row = focused && list.contains(focused) ? focused.closest("li.item") : null;
    const part = focused && (focused.dataset.refocus || (focused.classList.contains("item-link") ? ".item-link" : ".act"));
    list.replaceChildren(...catalogue.packs.map((pack) => storeView.row(pack, shop)));
    empty.textContent = catalogue.packs.length ? "" : loadedQuery ? "No packs match your search." : "No packs in the store yet.";
    empty.hidden = catalogue.packs.length > 0;
    more.hidden = !catalogue.next;
    more.textContent = "More packs";
    filter();
    if (row) {
      const again = list.querySelector('li[data-pack="' + CSS.escape(row.dataset.pack) + '"]');
      if (again) (again.querySelector(part) || again.querySelector(".item-link")).focus();
    }
  }
  function renderNote() {
    storeView.fillNote(note, {
      state: identity ? identity.state : "no-client",
      selling: !catalogue || catalogue.payments,
      anyPaid: !!catalogue && catalogue.packs.some((pack) => !pack.free),
      signIn: () => identity.signIn(),
    });
  }
  function needIdentity() {
    if (token()) return false;
    const state = identity ? identity.state : "no-client";
    const retry = { declined: "Verify identity", failed: "Try again" }[state];
    say("Buying and adding packs needs your Matrix identity" + (retry ? ": choose “" + retry + "” above." : "."));
    return true;
  }
  function addPack(pack) {
    if (needIdentity()) return;
    busy.set(pack.slug, "Adding…");
    render();
    identity.fetch("/api/v1/me/packs/" + encodeURIComponent(pack.slug) + "/add", { method: "POST" })
      .then(answer)
      .then(() => identity.refresh())
      .then(() => say(pack.name + " is in your picker."))
      .catch((error) => say("Could not add " + pack.name + ": " + error.message))
      .finally(() => { busy.delete(pack.slug); render(); });
  }
  function buy(pack) {
    if (needIdentity()) return;
    const open = checkoutTabs.get(pack.slug);
    if (open && !open.closed) { // a second click (or a double click): one tab per checkout
      open.focus();
      return;
    }
    // Open the tab now, inside the click: once the API has answered the browser would block it.
    const tab = storeView.openBlankTab();
    if (tab) checkoutTabs.set(pack.slug, tab);
    busy.set(pack.slug, "Opening…");
    render();
    identity.fetch("/api/v1/checkout", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ pack: pack.slug }),
    })
      .then(answer)
      .then((data) => checkoutReady(pack, tab, data.checkout_url))
      .catch((error) => checkoutFailed(pack, tab, error))
      .finally(() => { busy.delete(pack.slug); render(); });
  }
  function checkoutReady(pack, tab, url) {
    watch(pack);
    if (tab && !tab.closed) {
      tab.location.href = url;
      say("Pay in the new tab: " + pack.name + " appears here as soon as the payment is through.");
    } else {
      payLinks.set(pack.slug, url); // a link is a fresh click, which browsers allow
      say((tab ? "The new tab was closed" : "Your browser blocked the new tab") +
          ": choose “Pay” to open Stripe Checkout.");
    }
  }
  function checkoutFailed(pack, tab, error) {
    if (tab) tab.close();
    checkoutTabs.delete(pack.slug);
    if (error.errcode === "ORG.HEXPACK.ALREADY_OWNED") {
      pack.owned = true;
      identity.refresh().catch(() => {}).then(render);
    }
    say(error.status === 409 ? error.message : "Could not start the payment: " + error.message);
  }
  // --- After Buy: refresh the user's picker until the pack is in it.
  function watch(pack) {
    pending.set(pack.slug, pack.name);
    pollUntil = Date.now() + POLL_FOR;
    schedule();
  }
  function schedule() {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (!pending.size) return;
    if (Date.now() > pollUntil) {
      pending.clear();
      payLinks.clear();
      if (catalogue) render();
      return;
    }
    if (document.visibilityState === "visible" && widgetVisible) pollTimer = setTimeout(poll, POLL_EVERY);
  }
  function poll() {
    pollTimer = null;
    identity.refresh().catch(() => {}).then(schedule);
  }
  widget.on("packs", () => {
    pending.forEach((name, slug) => {
      if (!inPicker(slug)) return;
      pending.delete(slug);
      payLinks.delete(slug);
      checkoutTabs.delete(slug);
      const entry = catalogue && catalogue.packs.find((pack) => pack.slug === slug);
      if (entry) entry.owned = true;
      say("Thank you! " + name + " is in your picker.");
    });
    if (!pending.size) schedule();
    if (catalogue) render();
  });
  widget.on("identity", () => {
    if (!isOpen()) return;
    if (token() && loadedFor !== token()) load(loadedQuery);
    else renderNote();
  });
  widget.on("visibility", (visible) => {
    widgetVisible = !!visible; // identity.js refreshes the picker when it is shown again
    schedule();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && pending.size) poll();
    else schedule();
  });
  // --- Keyboard and search.
  function filter() {
    const terms = widget.searchTerms(search.value);
    const bySlug = new Map(catalogue.packs.map((pack) => [pack.slug, pack]));
    let shown = 0;
    list.querySelectorAll("li.item").forEach((row) => {
      const pack = bySlug.get(row.dataset.pack);
      const hay = [pack.name, pack.author, pack.description, pack.slug].join(" ").toLowerCase();
      row.hidden = !terms.every((term) => hay.includes(term));
      if (!row.hidden) shown++;
    });
    const asking = !complete() && search.value.trim() !== loadedQuery; // the server's answer is coming
    if (catalogue.packs.length || asking) {
      empty.hidden = shown > 0;
      empty.textContent = asking ? "Searching the store…" : "No packs match your search.";
    }
    if (asking) more.hidden = true;
  }
  // Rows already here filter at once; past a partial catalogue the server answers the search.
  search.addEventListener("input", () => {
    if (!isOpen() || !catalogue) return;
    filter();
    clearTimeout(searchTimer);
    const query = search.value.trim();
    if (complete() || query === loadedQuery) return;
    searchTimer = setTimeout(() => load(query), SEARCH_DELAY);
  });
  search.addEventListener("keydown", (event) => {
    if (!isOpen() || event.key !== "ArrowDown") return;
    const first = list.querySelector("li.item:not([hidden]) a");
    if (first) { first.focus(); event.preventDefault(); }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !isOpen()) return;
    if (event.defaultPrevented) { if (catalogue) filter(); return; } // the search box was cleared
    close();
    button.focus();
  });
  widget.store = { toggle, open, close };
})();
