/* source: js/export.js */
try {
(function () {
// "Use in Cinny / FluffyChat / Nheko" and "Download pack (.zip)" buttons, on the manager (Bearer
// token, which manager.js hands over through window.hexpackExport.bind) and on /packs/<slug> for a
// signed-in owner (web session: the CSRF token rides in X-CSRFToken). After an export, the panel
// tells the user the one step only they can take: join the room and switch on "use globally".
"use strict";
(() => {
  function answer(response) {
    return response.json().catch(() => ({})).then((data) => {
      if (!response.ok) throw new Error(data.error || "the server answered " + response.status);
      return data;
    });
  }

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    return node;
  }

  function showDone(panel, packName, data) {
    panel.replaceChildren();
    panel.className = "export-result";
    panel.append(element("p", packName + " is in your room “Hexpack — your sticker packs”. One step is yours:"));
    const steps = element("ol");
    const join = element("li", "Join the room: ");
    join.append(element("a", "open it in your Matrix client", { href: data.room_url, target: "_blank", rel: "noopener" }),
                " (or accept the Hexpack bot's invite).");
    steps.append(join, element("li", "In that room's sticker and emoji settings, switch on “Use globally” " +
      "(“Enable globally” in FluffyChat and Nheko) to use the pack in every room. Hexpack cannot do this for you."));
    panel.append(steps);
  }

  function showError(panel, what, error) {
    panel.replaceChildren(element("p", "Could not " + what + ": " + error.message));
    panel.className = "export-result export-error";
  }

  // send(method, path) -> fetch Promise; download(path, filename) saves the zip.
  function bind(root, send, download) {
    root.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-export], button[data-download]");
      if (!button || !root.contains(button)) return;
      const holder = button.closest("[data-pack]");
      const panel = holder.querySelector(".export-result");
      const slug = encodeURIComponent(holder.dataset.pack);
      button.disabled = true;
      if (button.dataset.export !== undefined) {
        panel.replaceChildren(element("p", "Writing the pack into your room…"));
        panel.className = "export-result";
        send("POST", "/api/v1/me/packs/" + slug + "/export").then(answer)
          .then((data) => showDone(panel, holder.dataset.packName, data))
          .catch((error) => showError(panel, "export the pack", error))
          .finally(() => { button.disabled = false; });
      } else {
        download("/api/v1/me/packs/" + slug + "/download", holder.dataset.pack + ".zip")
          .catch((error) => showError(panel, "download the pack", error))
          .finally(() => { button.disabled = false; });
      }
    });
  }

  function saveBlob(response, filename) {
    if (!response.ok) return answer(response);
    return response.blob().then((blob) => {
      const link = element("a", "", { href: URL.createObjectURL(blob), download: filename });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    });
  }

  window.hexpackExport = { bind, saveBlob };

  // The pack page of a signed-in owner: cookie session + CSRF token.
  const page = document.querySelector("[data-export-csrf]");
  if (page) {
    const headers = { "X-CSRFToken": page.dataset.exportCsrf };
    bind(page, (method, path) => fetch(path, { method, headers, credentials: "same-origin" }),
         (path, filename) => fetch(path, { credentials: "same-origin" }).then((r) => saveBlob(r, filename)));
  }
})();
})();
} catch (error) { setTimeout(() => { throw error; }); }

/* source: js/store-render.js */
try {
(function () {
// Hexpack store tab, its markup: a pack's row (icon, name, facts, previews and its Add, Buy or Pay
// control) and the note above the list. Builds DOM from the catalogue and the tab's state only;
// store.js (loaded right after this, on demand) owns the behaviour and passes its handlers in.
// Exposed as window.hexpackStoreView.
"use strict";
(() => {
  function el(tag, props, text) {
    const node = Object.assign(document.createElement(tag), props || {});
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function storeView() {
    return window.hexpackStoreView;
  }

  function image(url, size, className) {
    const img = el("img", { src: url, alt: "", width: size, height: size, loading: "lazy", decoding: "async" });
    if (className) img.className = className;
    return img;
  }

  // Written as the web pages write it (app/payments/money.py follows Intl's "en" format): $0.50,
  // whatever language the Matrix client reports, since every Hexpack page is in English.
  function price(pack) {
    const { amount, currency, decimals } = pack.price;
    const value = amount / Math.pow(10, decimals);
    try {
      return new Intl.NumberFormat("en", {
        style: "currency", currency: currency.toUpperCase(), minimumFractionDigits: decimals,
        maximumFractionDigits: decimals,
      }).format(value);
    } catch (e) { // a currency code this browser does not know
      return currency.toUpperCase() + "\u00a0" + value.toFixed(decimals);
    }
  }

  // The store API's URL for a search and a page (the previous answer's `next`).
  function storeUrl(query, cursor) {
    const params = new URLSearchParams();
    if (query) params.set("q", query);
    if (cursor) params.set("cursor", cursor);
    const tail = params.toString();
    return "/api/v1/store" + (tail ? "?" + tail : "");
  }

  // A blank tab opened inside the click (browsers block one opened later), without a handle on us.
  function openBlankTab() {
    const tab = window.open("", "_blank");
    if (!tab) return null;
    try {
      tab.opener = null; // the payment page gets no handle on the picker
      tab.document.title = "Stripe Checkout";
      tab.document.body.textContent = "Opening Stripe Checkout…";
    } catch (e) { /* the tab works without its placeholder text */ }
    return tab;
  }

  // The search box searches the store while it is open, the stickers otherwise.
  function resetSearch(search, placeholder) {
    search.placeholder = placeholder;
    if (search.value) {
      search.value = "";
      search.dispatchEvent(new Event("input"));
    }
  }

  // shop: { inPicker(slug), pending, busy, payLinks (Maps by slug), add(pack), buy(pack), selling() }
  function row(pack, shop) {
    const item = el("li", { className: "item" });
    item.dataset.pack = pack.slug;
    const link = el("a", { className: "item-link", href: pack.url, target: "_blank", rel: "noopener",
                           title: "All stickers, license and attribution (opens a new tab)" });
    const text = el("span", { className: "item-text" });
    const previews = el("span", { className: "item-previews" });
    pack.previews.slice(1).forEach((url) => previews.append(image(url, 22)));
    text.append(el("span", { className: "item-name" }, pack.name), facts(pack, shop), previews);
    // A pack without stickers yet has no icon: an empty tile, not a broken image.
    const icon = pack.icon_url ? image(pack.icon_url, 40, "item-icon") : el("span", { className: "item-icon item-icon-empty" });
    link.append(icon, text);
    // The pack page's report form, in a new tab like the pack's link (the picker is a small iframe).
    const report = el("a", { className: "report", href: pack.url + "#report", target: "_blank", rel: "noopener" }, "Report");
    report.setAttribute("aria-label", "Report " + pack.name + " (opens its page in a new tab)");
    const side = el("span", { className: "item-side" });
    side.append(control(pack, shop), report);
    item.append(link, side);
    const others = storeView().otherClients && storeView().otherClients(pack, shop); // store-export.js
    if (others) item.append(others);
    return item;
  }

  // "3 stickers · $0.50 · awaiting payment", where the price never breaks across lines.
  function facts(pack, shop) {
    const meta = el("span", { className: "item-meta" }, pack.stickers + (pack.stickers === 1 ? " sticker · " : " stickers · "));
    meta.append(el("span", { className: "price" }, pack.free ? "Free" : price(pack)));
    if (shop.pending.has(pack.slug)) meta.append(" · awaiting payment");
    else if (pack.owned && !pack.free && !shop.inPicker(pack.slug)) meta.append(" · yours, hidden");
    return meta;
  }

  function control(pack, shop) {
    const slug = pack.slug;
    if (shop.inPicker(slug)) return el("span", { className: "badge owned" }, "✓ In your picker");
    if (shop.busy.has(slug)) {
      const working = el("button", { type: "button", className: "act" }, shop.busy.get(slug));
      working.setAttribute("aria-disabled", "true"); // still focusable; a second click does nothing
      return working;
    }
    if (shop.payLinks.has(slug)) {
      const pay = el("a", { className: "act", href: shop.payLinks.get(slug), target: "_blank", rel: "noopener" }, "Pay");
      pay.setAttribute("aria-label", "Pay: " + pack.name + " (opens Stripe Checkout in a new tab)");
      return pay;
    }
    if (pack.free || pack.owned) return button("Add", "Add " + pack.name + " to your picker", () => shop.add(pack));
    // With payments on, a paid pack that is not for sale is paused: its creator cannot be paid yet.
    if (!pack.for_sale) return el("span", { className: "badge" }, shop.selling() ? "Not for sale right now" : "Not for sale");
    // The accessible name starts with the visible text, so "Buy $0.50" works as a voice command.
    const text = "Buy " + price(pack);
    return button(text, text + ": " + pack.name + " (opens Stripe Checkout in a new tab)", () => shop.buy(pack));
  }

  function button(text, label, onClick) {
    const control = el("button", { type: "button", className: "act" }, text);
    control.setAttribute("aria-label", label);
    control.addEventListener("click", onClick);
    return control;
  }

  // One short line over the list (what stands between the user and buying, and the way past it),
  // with the longer reason behind a "Why?" disclosure. `about`: { state (identity.js), selling,
  // anyPaid, signIn() }.
  function fillNote(note, about) {
    const line = noteLine(about);
    const key = line ? line.text + "|" + (line.action || "") : "";
    if (note.dataset.key === key) return; // unchanged: an open "Why?" and the focus stay put
    note.dataset.key = key;
    note.hidden = !line;
    note.replaceChildren();
    if (!line) return;
    note.append(line.text);
    if (line.action) {
      const action = el("button", { type: "button", className: "link" }, line.action);
      action.addEventListener("click", () => about.signIn());
      note.append(" ", action);
    }
    if (line.why) note.append(" ", ...disclosure(line.why));
  }

  function noteLine({ state, selling, anyPaid }) {
    const needs = (selling ? "Buying" : "Adding") + " needs your Matrix identity.";
    const closed = !selling && anyPaid ? "Paid packs are not for sale here at the moment. " : "";
    if (state === "signing-in") return { text: closed + "Checking your Matrix identity…" };
    if (state === "declined") return { text: closed + needs, action: "Verify identity" };
    if (state === "failed") return { text: closed + "Your Matrix identity could not be verified.", action: "Try again" };
    if (state === "no-client") {
      return { text: closed + needs, why: "Only your Matrix client (such as Element) can share it, and "
               + "this picker is not open in one: open it from the sticker button of a chat." };
    }
    return closed ? { text: closed.trim() } : null;
  }

  function disclosure(text) {
    const toggle = el("button", { type: "button", className: "link" }, "Why?");
    const detail = el("span", { className: "why", hidden: true }, text);
    detail.id = "store-note-why";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", detail.id);
    toggle.addEventListener("click", () => {
      detail.hidden = !detail.hidden;
      toggle.setAttribute("aria-expanded", String(!detail.hidden));
    });
    return [toggle, detail];
  }

  window.hexpackStoreView = { el, price, row, fillNote, storeUrl, openBlankTab, resetSearch };
})();
})();
} catch (error) { setTimeout(() => { throw error; }); }

/* source: js/store-export.js */
try {
(function () {
// Hexpack store tab, other clients: under a pack the user may use (owned, or free and in their
// picker) a "Use in other clients" disclosure with export.js's two buttons, "Use in Cinny /
// FluffyChat / Nheko" (the bot writes the pack into the user's pack room) and "Download pack (.zip)",
// sent with the picker's token (identity.js). Each pack keeps its one panel across the store's
// re-renders, so a result shown there stays. Exposed as window.hexpackStoreView.otherClients.
"use strict";
(() => {
  const storeView = window.hexpackStoreView;
  const exporter = window.hexpackExport;
  const identity = window.hexpackWidget && window.hexpackWidget.identity;
  const view = document.getElementById("store");
  const el = storeView.el;
  const panels = new Map(); // slug -> its disclosure, kept across re-renders

  function usable(pack, shop) {
    return !!(identity && identity.token) && (pack.owned || (pack.free && shop.inPicker(pack.slug)));
  }

  // The disclosure under the row of `pack`, or null when the user may not use it elsewhere.
  function otherClients(pack, shop) {
    if (!exporter || !usable(pack, shop)) return null;
    if (!panels.has(pack.slug)) panels.set(pack.slug, build(pack));
    return panels.get(pack.slug);
  }

  function build(pack) {
    const box = el("div", { className: "other-clients" });
    box.dataset.pack = pack.slug; // what export.js reads
    box.dataset.packName = pack.name;
    const toggle = el("button", { type: "button", className: "link" }, "Use in other clients");
    const detail = el("div", { className: "other-detail", hidden: true });
    detail.id = "other-" + pack.slug;
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", detail.id);
    toggle.setAttribute("aria-label", "Use in other clients (" + pack.name + ")");
    toggle.dataset.refocus = ".other-clients > .link"; // store.js puts the focus back here on re-render
    toggle.addEventListener("click", () => {
      detail.hidden = !detail.hidden;
      toggle.setAttribute("aria-expanded", String(!detail.hidden));
    });
    const use = action("Use in Cinny / FluffyChat / Nheko", pack, { "data-export": "" });
    const zip = action("Download pack (.zip)", pack, { "data-download": "" });
    const result = el("div", { className: "export-result" });
    result.setAttribute("role", "status");
    detail.append(use, zip, result);
    box.append(toggle, detail);
    return box;
  }

  function action(text, pack, attributes) {
    const button = el("button", { type: "button", className: "other-act" }, text);
    Object.entries(attributes).forEach(([name, value]) => button.setAttribute(name, value));
    button.setAttribute("aria-label", text + " (" + pack.name + ")");
    button.dataset.refocus = "[" + Object.keys(attributes)[0] + "]";
    return button;
  }

  if (exporter && identity && view) {
    exporter.bind(view, (method, path) => identity.fetch(path, { method }),
                  (path, filename) => identity.fetch(path).then((response) => exporter.saveBlob(response, filename)));
  }

  storeView.otherClients = otherClients;
})();
})();
} catch (error) { setTimeout(() => { throw error; }); }

/* source: js/store.js */
try {
(function () {
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
})();
} catch (error) { setTimeout(() => { throw error; }); }
