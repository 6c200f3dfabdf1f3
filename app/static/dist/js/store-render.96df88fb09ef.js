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
