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
