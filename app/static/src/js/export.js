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
