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

/* source: js/manager.js */
try {
(function () {
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
})();
} catch (error) { setTimeout(() => { throw error; }); }
