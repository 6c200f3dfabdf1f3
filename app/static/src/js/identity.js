// Hexpack picker identity: who is this user, and their own packs.
// With a valid scalar_token in the URL the server already rendered the user's picker. Otherwise we
// ask the Matrix client for an OpenID token (widget API get_openid, MSC1960), exchange it at
// POST /api/v1/session for our bearer token (kept in memory only, never a cookie), and swap in
// the user's picker, fetched from the same URL with that token. Uses window.hexpackWidget
// (picker.js) for the widget API transport, and adds window.hexpackWidget.identity for store.js:
// the token, its state, an authorised fetch and refresh() of the user's picker.
"use strict";
(() => {
  const widget = window.hexpackWidget;
  if (!widget) return;
  const params = new URLSearchParams(location.search);
  const widgetId = params.get("widgetId");
  const parentOrigin = originOf(params.get("parentUrl"));
  const identified = document.documentElement.dataset.identified === "true";
  let token = identified ? params.get("scalar_token") || params.get("access_token") : null;
  // signed-in | signing-in (asking, or about to) | declined | failed | no-client (nobody to ask)
  let state = token ? "signed-in" : parentOrigin ? "signing-in" : "no-client";
  let etag = null;
  let openIdRequestId = null; // requestId of our get_openid that the user has still to confirm
  let pendingConsent = null; // {resolve, reject} until the client's openid_credentials push

  class Declined extends Error {}

  function originOf(url) {
    try {
      const u = new URL(url);
      return u.protocol + "//" + u.host;
    } catch (e) {
      return null;
    }
  }

  function say(text) {
    if (widget.say) widget.say(text);
  }

  function setState(next) {
    state = next;
    widget.emit("identity", next);
  }

  // picker.js resolves get_openid with the response only; the delayed openid_credentials push
  // names the original requestId, which we learn here from the same (origin-checked) reply.
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || !parentOrigin || event.origin !== parentOrigin) return;
    const msg = event.data;
    if (msg && msg.api === "fromWidget" && msg.action === "get_openid" && msg.response &&
        msg.response.state === "request") {
      openIdRequestId = msg.requestId;
    }
  });

  widget.on("openid_credentials", (data) => {
    if (!pendingConsent || !data) return;
    if (openIdRequestId && data.original_request_id !== openIdRequestId) return;
    const { resolve, reject } = pendingConsent;
    pendingConsent = null;
    openIdRequestId = null;
    if (data.state === "allowed") resolve(data);
    else reject(new Declined("declined"));
  });

  function requestOpenId() {
    return widget.sendRequest("get_openid", {}).then((response) => {
      if (response.state === "allowed") return response;
      if (response.state === "blocked") throw new Declined("blocked");
      if (response.state === "request") {
        say("Allow Hexpack to verify your identity in your Matrix client to see your own packs.");
        return new Promise((resolve, reject) => { pendingConsent = { resolve, reject }; });
      }
      throw new Error("unexpected answer from the client");
    });
  }

  async function signIn() {
    setState("signing-in");
    try {
      const credentials = await requestOpenId();
      const body = {
        access_token: credentials.access_token,
        token_type: credentials.token_type,
        matrix_server_name: credentials.matrix_server_name,
        expires_in: credentials.expires_in,
      };
      const response = await fetch("/api/v1/session", {
        method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok || !data.token) throw new Error(data.error || "sign-in failed (" + response.status + ")");
      token = data.token;
    } catch (error) {
      setState(error instanceof Declined ? "declined" : "failed");
      throw error;
    }
    setState("signed-in");
    say("");
  }

  // fetch() with our token; an expired or revoked token (401) signs in again once and retries.
  async function authorizedFetch(url, options = {}, retry = true) {
    if (!token) throw new Declined("no Matrix identity");
    const headers = Object.assign({}, options.headers, { Authorization: "Bearer " + token });
    const response = await fetch(url, Object.assign({ credentials: "omit" }, options, { headers }));
    if (response.status !== 401 || !retry || !parentOrigin) return response;
    token = null;
    etag = null;
    await signIn();
    return authorizedFetch(url, options, false);
  }

  function pageUrl() {
    const query = new URLSearchParams(location.search);
    query.delete("scalar_token");
    query.delete("access_token");
    const text = query.toString();
    return location.pathname + (text ? "?" + text : "");
  }

  // Re-fetch the user's picker (a cheap 304 when nothing changed) and swap in what changed.
  // Calls that arrive while one runs are folded into one more run after it.
  let refreshing = null;
  let refreshAgain = false;
  function refresh() {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          refreshAgain = false;
          await fetchPicker(true);
        } while (refreshAgain);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function fetchPicker(retry) {
    if (!token) return;
    const headers = { Authorization: "Bearer " + token };
    if (etag) headers["If-None-Match"] = etag;
    const response = await fetch(pageUrl(), { headers, credentials: "omit", cache: "no-store" });
    if (response.status === 304) return;
    if (!response.ok) throw new Error("could not load your packs (" + response.status + ")");
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    if (doc.documentElement.dataset.identified !== "true") {
      // Our token expired or was revoked: sign in again once.
      token = null;
      etag = null;
      if (retry && parentOrigin) {
        await signIn();
        return fetchPicker(false);
      }
      setState(parentOrigin ? "failed" : "no-client");
      return;
    }
    etag = response.headers.get("ETag");
    swap(doc);
    document.documentElement.dataset.identified = "true"; // as if the server had rendered it for the user
    widget.emit("packs"); // store.js: a bought pack may have arrived
  }

  function swap(doc) {
    const nav = document.querySelector("nav.tabs");
    const main = document.getElementById("packs");
    const newNav = doc.querySelector("nav.tabs");
    const newMain = doc.getElementById("packs");
    if (!nav || !main || !newNav || !newMain) return;
    const recentTab = document.getElementById("recent-tab");
    const recentHidden = recentTab ? recentTab.hidden : true;
    nav.replaceChildren(...[...newNav.children].map((node) => document.importNode(node, true)));
    const freshRecentTab = document.getElementById("recent-tab");
    if (freshRecentTab) freshRecentTab.hidden = recentHidden;
    nav.querySelectorAll("img[data-src]").forEach(widget.load); // pack icons, if the page defers them
    addManageButton();

    const recent = document.getElementById("recent");
    const noResults = document.getElementById("no-results");
    [...main.children].forEach((node) => { if (node !== recent && node !== noResults) node.remove(); });
    const fresh = [...newMain.children].filter((node) => node.id !== "recent" && node.id !== "no-results")
      .map((node) => document.importNode(node, true));
    const favourites = fresh.filter((node) => node.id === "pack-_favourites");
    const packs = fresh.filter((node) => node.id !== "pack-_favourites");
    main.insertBefore(fragment(favourites), recent || main.firstChild);
    main.insertBefore(fragment(packs), noResults);
    widget.lazyLoad(main.querySelectorAll("img[data-src]"));
    // Let picker.js re-apply the search and rebuild "recently used" against the new packs.
    const search = document.getElementById("search");
    if (search) search.dispatchEvent(new Event("input"));
  }

  function fragment(nodes) {
    const result = document.createDocumentFragment();
    nodes.forEach((node) => result.append(node));
    return result;
  }

  // "Manage" opens Element's integration manager at our sticker picker screen (Element only).
  function addManageButton() {
    const nav = document.querySelector("nav.tabs");
    if (!nav || !widgetId || !parentOrigin || document.getElementById("hexpack-manage")) return;
    const button = document.createElement("a");
    button.className = "tab";
    button.id = "hexpack-manage";
    button.href = "#";
    button.setAttribute("role", "button");
    button.title = "Manage your sticker packs";
    button.textContent = "\u2699";
    button.addEventListener("click", (event) => {
      event.preventDefault();
      widget.sendRequest("integration_manager_open", { integType: "m.stickerpicker", integId: widgetId })
        .catch((error) => say("Your client could not open the integration manager: " + error.message));
    });
    nav.prepend(button);
  }

  // Right-click (long-press on touch screens) stars or unstars a sticker.
  function bindFavourites() {
    const main = document.getElementById("packs");
    if (!main) return;
    main.addEventListener("contextmenu", (event) => {
      const button = event.target.closest("button.s");
      if (!button || !token) return;
      event.preventDefault();
      const id = button.dataset.stickerId;
      const starred = !!main.querySelector('#pack-_favourites button.s[data-sticker-id="' + CSS.escape(id) + '"]');
      authorizedFetch("/api/v1/me/favourites/" + encodeURIComponent(id), {
        method: starred ? "DELETE" : "PUT",
      }).then((response) => {
        if (!response.ok) throw new Error("HTTP " + response.status);
        say(starred ? "Removed from favourites." : "Added to favourites.");
        return refresh();
      }).catch((error) => say("Could not change your favourites: " + error.message));
    });
  }

  widget.on("visibility", (visible) => {
    // Back from the store or the integration manager: show new packs without a reload.
    if (visible && token) refresh().catch(() => {});
  });

  addManageButton();
  bindFavourites();
  // Ask for the user's identity once the client has started talking to us (capabilities).
  if (!token && parentOrigin) widget.on("ready", startSignIn);

  // Signs in (once at a time; again later if the store asks after a refusal).
  let signingIn = null;
  function startSignIn() {
    if (token || !parentOrigin) return Promise.resolve();
    signingIn = signingIn || signIn()
      .then(() => refresh())
      .catch((error) => {
        // Declining is a fine answer: the free picker keeps working, so no toast covers it.
        if (error instanceof Declined) console.info("Hexpack: no Matrix identity shared; showing free packs.");
        else say("Could not sign you in (" + error.message + "): showing free packs.");
      })
      .finally(() => { signingIn = null; });
    return signingIn;
  }

  widget.identity = {
    get token() { return token; },
    get state() { return state; },
    fetch: authorizedFetch,
    refresh,
    signIn: startSignIn,
  };
})();
