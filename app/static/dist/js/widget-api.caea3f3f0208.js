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
