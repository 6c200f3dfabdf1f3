// Hexpack picker identity: who is this user, and their own packs.
// With a valid scalar_token in the URL the server already rendered the user's picker. Otherwise we
// ask the Matrix client for an OpenID token (widget API get_openid, MSC1960), exchange it at
// POST /api/v1/session for our bearer token (kept in memory only, never a cookie), and swap in
// the user's picker, fetched from the same URL with that token. Uses window.hexpackWidget
// (picker.js, widget-api.js) for the widget API transport, whose parent origin may be pinned only by
// the client's first request (no parentUrl), and adds window.hexpackWidget.identity for store.js:
// the token, its state, an authorised fetch and refresh() of the user's picker.
"use strict";
(() => {
  const widget = window.hexpackWidget;
  if (!widget) return;
  const params = new URLSearchParams(location.search);
  const identified = document.documentElement.dataset.identified === "true";
  let token = identified ? params.get("scalar_token") || params.get("access_token") : null;
  // signed-in | signing-in (asking, or about to) | declined | failed; read as no-client while no
  // client has been heard from (nobody to ask).
  let state = token ? "signed-in" : "signing-in";
  let etag = null;
  let openIdRequestId = null; // requestId of our get_openid, named by the delayed openid_credentials
  let pendingConsent = null; // {resolve, reject} until the client's openid_credentials push

  class Declined extends Error {}

  const say = widget.say;

  // The Matrix client we can ask: named by parentUrl, or pinned by its first request.
  function hasClient() {
    return !!widget.origin;
  }

  function setState(next) {
    state = next;
    widget.emit("identity", next);
  }

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
    const call = widget.sendRequest("get_openid", {});
    openIdRequestId = call.requestId;
    return call.then((response) => {
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
      const data = await window.hexpackTransport.jsonAnswer(response);
      if (!data.token) throw new Error("sign-in failed");
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
    if (response.status !== 401 || !retry || !hasClient()) return response;
    await signInAgain();
    return authorizedFetch(url, options, false);
  }

  // Our token expired or was revoked: forget it and what it fetched, and ask the client again.
  function signInAgain() {
    token = null;
    etag = null;
    return signIn();
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
      if (retry && hasClient()) {
        await signInAgain();
        return fetchPicker(false);
      }
      token = null;
      etag = null;
      setState(hasClient() ? "failed" : "no-client");
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
    if (!nav || !widget.widgetId || !hasClient() || document.getElementById("hexpack-manage")) return;
    const button = document.createElement("a");
    button.className = "tab";
    button.id = "hexpack-manage";
    button.href = "#";
    button.setAttribute("role", "button");
    button.title = "Manage your sticker packs";
    button.textContent = "\u2699";
    button.addEventListener("click", (event) => {
      event.preventDefault();
      widget.sendRequest("integration_manager_open", { integType: "m.stickerpicker", integId: widget.widgetId })
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
      }).then(window.hexpackTransport.jsonAnswer).then(() => {
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
  widget.on("ready", addManageButton); // a client pinned by its first request (no parentUrl)
  bindFavourites();
  // Ask for the user's identity once the client has started talking to us (capabilities); without
  // parentUrl that first request is also what pinned the client's origin.
  if (!token) widget.on("ready", startSignIn);

  // Signs in (once at a time; again later if the store asks after a refusal).
  let signingIn = null;
  function startSignIn() {
    if (token || !hasClient()) return Promise.resolve();
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
    get state() { return state === "signing-in" && !hasClient() ? "no-client" : state; },
    fetch: authorizedFetch,
    refresh,
    signIn: startSignIn,
  };
})();
