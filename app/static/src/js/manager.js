// Hexpack integration manager UI, inside Element's integration manager dialog.
// Talks to Element through the Scalar postMessage API (ScalarMessaging.ts: plain {action, ...}
// objects without an "api" field, posted to the parent's origin, answered with the same object
// plus "response") and to our JSON API with the scalar_token Element put in our URL. Origin parsing,
// request ids and timeouts come from widget-api.js (window.hexpackTransport).
"use strict";
(() => {
  const { originOf, pendingRequests, jsonAnswer } = window.hexpackTransport;
  const root = document.getElementById("manager");
  if (!root) return;
  const params = new URLSearchParams(location.search);
  const token = params.get("scalar_token");
  // Where Element is. Element Web sets <meta name="referrer" content="no-referrer"> and Firefox has
  // no location.ancestorOrigins, so there the operator's ELEMENT_ORIGINS list is the fallback:
  // a message posted to each listed origin reaches only the one that really framed us.
  const candidates = parentOrigins();
  let parentOrigin = candidates.length === 1 ? candidates[0] : null;
  const framed = window.parent !== window;
  // Element waits up to 20 s for the account data echo before answering set_widget.
  const requests = pendingRequests(25000, "your Matrix client did not answer");

  if (root.dataset.theme) document.documentElement.dataset.theme = root.dataset.theme;

  // The origin of the page that framed us (Element), never "*": an explicit parent_url, else
  // what the browser tells us (ancestorOrigins in Chromium/WebKit, else the referrer).
  function parentOrigins() {
    const explicit = originOf(params.get("parent_url"));
    if (explicit) return [explicit];
    if (location.ancestorOrigins && location.ancestorOrigins.length) return [location.ancestorOrigins[0]];
    const referrer = originOf(document.referrer);
    if (referrer) return [referrer];
    return (root.dataset.clientOrigins || "").split(" ").filter(Boolean);
  }

  function notice(text) {
    document.getElementById("notice").textContent = text;
  }

  window.addEventListener("message", (event) => {
    if (!framed || event.source !== window.parent) return;
    if (parentOrigin ? event.origin !== parentOrigin : !candidates.includes(event.origin)) return;
    const msg = event.data;
    if (!msg || typeof msg !== "object" || msg.api || !requests.has(msg.request_id) || !("response" in msg)) return;
    parentOrigin = event.origin; // Element answered: talk to that origin only from now on
    requests.settle(msg.request_id, msg.response);
  });

  function scalar(action, fields) {
    if (!framed) return Promise.reject(new Error("this page was not opened by a Matrix client"));
    if (!candidates.length) {
      return Promise.reject(new Error("your browser did not say which site opened this page; the operator can " +
                                      "list it in ELEMENT_ORIGINS"));
    }
    return requests.send((requestId) => {
      const message = Object.assign({ action, request_id: requestId }, fields);
      (parentOrigin ? [parentOrigin] : candidates).forEach((origin) => {
        try {
          window.parent.postMessage(message, origin);
        } catch (e) { /* not a valid origin (a typo in ELEMENT_ORIGINS): skip it */ }
      });
    });
  }

  function api(method, path, body) {
    const init = { method, credentials: "omit", headers: { Authorization: "Bearer " + token } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(jsonAnswer);
  }

  // --- the sticker picker in the user's account (m.widgets account data) -------------------
  const pickerUrl = root.dataset.pickerUrl;
  const pickerBase = pickerUrl.split("?")[0];
  const install = document.getElementById("install");
  const uninstall = document.getElementById("uninstall");
  const pickerState = document.getElementById("picker-state");
  let current = null; // the user's first m.stickerpicker widget: the one Element shows

  function widgetId(widget) {
    return widget.state_key || widget.id || (widget.content && widget.content.id);
  }

  function loadWidgets() {
    return scalar("get_widgets", {}).then((widgets) => {
      const pickers = (Array.isArray(widgets) ? widgets : [])
        .filter((w) => w && w.content && w.content.type === "m.stickerpicker" && w.content.url);
      const preferred = pickers.find((w) => widgetId(w) === root.dataset.integId);
      current = preferred || pickers[0] || null;
      const ours = current && String(current.content.url).startsWith(pickerBase);
      if (ours) pickerState.textContent = "The Hexpack sticker picker is in your account.";
      else if (current) pickerState.textContent = "Your account has another sticker picker (" +
        (current.content.name || widgetId(current)) + "). Hexpack can replace it.";
      else pickerState.textContent = "Your account has no sticker picker yet.";
      install.textContent = ours ? "Update the Hexpack sticker picker" : current
        ? "Replace it with the Hexpack sticker picker" : "Add the Hexpack sticker picker";
      install.hidden = false;
      uninstall.hidden = !ours;
    }).catch((error) => {
      pickerState.textContent = "Could not ask your Matrix client about its sticker picker (" + error.message +
        "). Open this page from Element to add the picker.";
    });
  }

  install.addEventListener("click", () => {
    const id = current ? widgetId(current) : "hexpack-stickerpicker-" + Date.now();
    install.disabled = true;
    notice("Adding the sticker picker to your account…");
    scalar("set_widget", { widget_id: id, type: "m.stickerpicker", url: pickerUrl,
                           name: root.dataset.pickerName, data: {}, userWidget: true })
      .then(() => api("PUT", "/api/v1/me/picker", { picker_hidden: false }))
      .then(() => notice("Done: open the sticker picker in the message composer."))
      .catch((error) => notice("Could not add the sticker picker: " + error.message))
      .finally(() => { install.disabled = false; loadWidgets(); });
  });

  uninstall.addEventListener("click", () => {
    if (!current) return;
    uninstall.disabled = true;
    scalar("set_widget", { widget_id: widgetId(current), url: null, userWidget: true })
      .then(() => api("PUT", "/api/v1/me/picker", { picker_hidden: true }))
      .then(() => notice("Removed. Your packs stay in your account."))
      .catch((error) => notice("Could not remove the sticker picker: " + error.message))
      .finally(() => { uninstall.disabled = false; loadWidgets(); });
  });

  // --- the user's packs: order and visibility -------------------------------------------------
  const list = document.getElementById("packs");

  function savePacks() {
    const items = [...list.querySelectorAll("li[data-slug]")];
    const order = items.map((li) => li.dataset.slug);
    const hidden = items.filter((li) => !li.querySelector("input[type=checkbox]").checked).map((li) => li.dataset.slug);
    api("PUT", "/api/v1/me/picker", { order, hidden })
      .then(() => notice("Saved. Your picker shows the change the next time it opens."))
      .catch((error) => notice("Could not save: " + error.message));
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.up, button.down");
    if (!button) return;
    const li = button.closest("li");
    const sibling = button.classList.contains("up") ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) return;
    if (button.classList.contains("up")) sibling.before(li);
    else sibling.after(li);
    button.focus();
    savePacks();
  });
  list.addEventListener("change", (event) => {
    if (event.target.matches("input[type=checkbox]")) savePacks();
  });

  // --- other clients: export to the user's pack room, or download a zip (export.js) -------------
  const auth = { Authorization: "Bearer " + token };
  window.hexpackExport.bind(list, (method, path) => fetch(path, { method, credentials: "omit", headers: auth }),
    (path, filename) => fetch(path, { credentials: "omit", headers: auth })
      .then((response) => window.hexpackExport.saveBlob(response, filename)));

  // --- favourites -----------------------------------------------------------------------------
  document.getElementById("favourite-list").addEventListener("click", (event) => {
    const button = event.target.closest("button.unstar");
    if (!button) return;
    const li = button.closest("li");
    api("DELETE", "/api/v1/me/favourites/" + encodeURIComponent(li.dataset.stickerId))
      .then(() => {
        li.remove();
        document.getElementById("no-favourites").hidden = !!document.querySelector("#favourite-list li");
      })
      .catch((error) => notice("Could not remove the favourite: " + error.message));
  });

  // --- terms (Element normally has the user accept them before it opens this page) -------------
  const accept = document.getElementById("accept-terms");
  if (accept) {
    accept.addEventListener("click", () => {
      api("POST", "/_matrix/integrations/v1/terms", { user_accepts: accept.dataset.urls.split(" ") }).then(() => {
        document.getElementById("terms").remove();
        notice("Thank you.");
      }).catch((error) => notice("Could not record your acceptance: " + error.message));
    });
  }

  // --- Hexpack on the web: a one-time sign-in link for this user, opened in a new tab -------------
  // The tab is opened in the click handler itself (popup blockers allow that), then sent to the link
  // once we have it; without a link it is closed again and the error shown here.
  const webState = document.getElementById("web-state");
  function openOnTheWeb(button) {
    const tab = window.open("", "_blank");
    if (!tab) {
      webState.textContent = "Your browser blocked the new tab: allow pop-ups for this site and try again.";
      return;
    }
    tab.opener = null;
    button.disabled = true;
    webState.textContent = "Opening Hexpack in a new tab…";
    api("POST", "/api/v1/web-login", { next: button.dataset.next })
      .then((answer) => {
        tab.location.href = answer.url;
        webState.textContent = "Opened in a new tab: confirm there to sign in. The link works once, for 15 minutes.";
      })
      .catch((error) => {
        tab.close();
        webState.textContent = "Could not open Hexpack on the web: " + error.message;
      })
      .finally(() => { button.disabled = false; });
  }
  ["open-web", "open-admin"].forEach((id) => {
    const button = document.getElementById(id);
    button.addEventListener("click", () => openOnTheWeb(button));
  });
  api("GET", "/api/v1/me").then((me) => {
    document.getElementById("open-admin").hidden = !me.admin;
  }).catch(() => { /* not an admin as far as we can tell: the button stays hidden */ });

  document.getElementById("close").addEventListener("click", () => {
    scalar("close_scalar", {}).catch(() => window.close());
  });

  if (root.dataset.screen === "type_m.stickerpicker") {
    document.getElementById("stickerpicker").scrollIntoView();
  }
  loadWidgets();
})();
