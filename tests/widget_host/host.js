// Test harness: a stand-in for Element Web that hosts the Hexpack sticker picker.
//
// It uses the real matrix-widget-api ClientWidgetApi and follows what Element does for an
// account widget of type m.stickerpicker (element-web WidgetMessaging.ts, ElementWidgetDriver.ts,
// AppTile.tsx): the same iframe sandbox and URL parameters, waitForIframeLoad, auto-approved
// sticker capabilities, theme_change after "ready", and the m.sticker action acknowledged
// first and then sent to the room by the client itself over the client-server API.
//
// Tests drive it through window.hexpackHost (see tests/support/widget_host.py).
import {
  ClientWidgetApi,
  EventDirection,
  MatrixCapabilities,
  OpenIDRequestState,
  Widget,
  WidgetApiFromWidgetAction,
  WidgetDriver,
  WidgetEventCapability,
} from "matrix-widget-api";

// AppTile.tsx
const SANDBOX =
  "allow-forms allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts " +
  "allow-presentation allow-downloads";
const ALLOW =
  "microphone; camera; encrypted-media; autoplay; display-capture; clipboard-write; clipboard-read;";
const REQUIRES_CLIENT = "io.element.requires_client"; // ElementWidgetCapabilities.RequiresClient

const state = {
  started: false,
  iframeLoads: 0,
  ready: false,
  capabilitiesNotified: false,
  preparingError: null,
  requestedCapabilities: [],
  approvedCapabilities: [],
  toWidget: [], // every request the host sent, with its reply or error
  fromWidget: [], // every request the widget sent: {action, requestId, origin}
  stickers: [], // every m.sticker action: {data, widgetData, approved, event, error}
  openid: [], // every get_openid the driver was asked to answer
  log: [],
};

let api = null;
let config = null;
let openidMode = { state: "blocked" };
let pendingOpenID = null;

// ElementWidgetDriver: what a sticker picker account widget gets without a prompt.
class HostDriver extends WidgetDriver {
  constructor() {
    super();
    this.autoApproved = new Set([
      MatrixCapabilities.Screenshots,
      REQUIRES_CLIENT,
      MatrixCapabilities.StickerSending,
      WidgetEventCapability.forRoomEvent(EventDirection.Send, "m.sticker").raw,
      "visibility",
    ]);
  }

  async validateCapabilities(requested) {
    state.requestedCapabilities = [...requested];
    // No prompt here: anything not auto-approved is refused, as if the user said no.
    const approved = new Set([...requested].filter((cap) => this.autoApproved.has(cap)));
    state.approvedCapabilities = [...approved];
    return approved;
  }

  askOpenID(observer) {
    const entry = { mode: openidMode.state, at: performance.now() };
    state.openid.push(entry);
    const mode = openidMode;
    if (mode.state === "allowed") {
      observer.update({ state: OpenIDRequestState.Allowed, token: mode.token });
    } else if (mode.state === "request") {
      // Element shows a consent dialog: the widget gets {state: "request"} now and an
      // openid_credentials request later (resolveOpenID from the test).
      observer.update({ state: OpenIDRequestState.PendingUserConfirmation });
      pendingOpenID = observer;
    } else {
      observer.update({ state: OpenIDRequestState.Blocked });
    }
  }
}

function templateParams(cfg) {
  return {
    widgetRoomId: cfg.roomId,
    currentUserId: cfg.userId,
    userDisplayName: cfg.displayName || cfg.userId,
    clientId: "io.element.web",
    clientTheme: cfg.theme,
    clientLanguage: cfg.language,
    deviceId: cfg.deviceId,
    baseUrl: cfg.homeserverUrl,
  };
}

// WidgetMessaging.runUrlTemplate: template, then widgetId and parentUrl, then "$" restored.
function embedUrl(widget, cfg) {
  const parsed = new URL(widget.getCompleteUrl(templateParams(cfg)));
  parsed.searchParams.set("widgetId", widget.id);
  // omitParentUrl: a client that frames the widget without parentUrl (not Element).
  if (!cfg.omitParentUrl) parsed.searchParams.set("parentUrl", cfg.parentUrl || window.location.href.split("#", 2)[0]);
  if (cfg.scalarToken) parsed.searchParams.set("scalar_token", cfg.scalarToken);
  return parsed.toString().replace(/%24/g, "$");
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function recordToWidget(transport) {
  // ClientWidgetApi sends everything through transport.send -> sendComplete.
  const original = transport.sendComplete.bind(transport);
  transport.sendComplete = (action, data) => {
    const entry = { action, data: clone(data), sentAt: performance.now(), done: false };
    state.toWidget.push(entry);
    return original(action, data).then(
      (reply) => {
        Object.assign(entry, { done: true, ms: performance.now() - entry.sentAt, response: clone(reply.response) });
        return reply;
      },
      (error) => {
        Object.assign(entry, {
          done: true,
          ms: performance.now() - entry.sentAt,
          error: { message: String(error && error.message), timedOut: /timed out/i.test(String(error && error.message)) },
        });
        throw error;
      },
    );
  };
}

// What Element does with the sticker (RoomView post_sticker_message ->
// ContentMessages.sendStickerContentToRoom -> MatrixClient.sendStickerMessage).
async function sendStickerEvent(data) {
  const m = config.matrix;
  if (!m) return null;
  const content = { body: data.description || data.name, url: data.content.url, info: data.content.info || {} };
  const txnId = "hexpack-host-" + Date.now() + "-" + state.stickers.length;
  const url = m.baseUrl.replace(/\/$/, "") + "/_matrix/client/v3/rooms/" + encodeURIComponent(m.roomId) +
    "/send/m.sticker/" + encodeURIComponent(txnId);
  const response = await fetch(url, {
    method: "PUT",
    headers: { Authorization: "Bearer " + m.accessToken, "Content-Type": "application/json" },
    body: JSON.stringify(content),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(response.status + " " + JSON.stringify(body));
  return { event_id: body.event_id, content };
}

function start(cfg) {
  if (state.started) throw new Error("already started");
  config = Object.assign({ theme: "light", language: "en", widgetId: "hexpack_stickerpicker_test",
                           userId: "@user:localhost", roomId: "", visibleOnReady: true }, cfg);
  if (config.openid) openidMode = config.openid;
  state.started = true;

  window.addEventListener("message", (event) => {
    const msg = event.data;
    if (msg && msg.api === "fromWidget" && !msg.response) {
      state.fromWidget.push({ action: msg.action, requestId: msg.requestId, origin: event.origin });
    }
  });

  // Element writes the account widget with data.theme (ElementWidget.rawData) and url.
  const widget = new Widget({
    id: config.widgetId,
    creatorUserId: config.userId,
    type: "m.stickerpicker",
    url: config.widgetUrl,
    name: "Stickerpicker",
    data: { theme: config.theme },
    waitForIframeLoad: true,
  });

  const iframe = document.createElement("iframe");
  iframe.id = "widget-frame";
  iframe.name = "widget-frame";
  iframe.title = "Stickerpicker";
  iframe.setAttribute("sandbox", SANDBOX);
  iframe.setAttribute("allow", ALLOW);
  iframe.src = embedUrl(widget, config);
  iframe.addEventListener("load", () => { state.iframeLoads++; });
  document.getElementById("stage").appendChild(iframe);

  api = new ClientWidgetApi(widget, iframe, new HostDriver());
  recordToWidget(api.transport);
  if (config.timeoutSeconds) api.transport.timeoutSeconds = config.timeoutSeconds;
  api.setViewedRoomId(config.roomId || null);

  api.once("ready", () => {
    state.ready = true;
    // WidgetMessaging: theme_change once ready; Stickerpicker.tsx: visibility when shown.
    api.updateTheme({ name: config.theme }).catch(() => {});
    if (config.visibleOnReady) api.updateVisibility(true).catch(() => {});
  });
  api.on("capabilitiesNotified", () => { state.capabilitiesNotified = true; });
  api.on("error:preparing", (error) => { state.preparingError = String(error && error.message); });

  api.on(`action:${WidgetApiFromWidgetAction.SendSticker}`, (ev) => {
    const entry = { data: clone(ev.detail.data), widgetData: clone(ev.detail.widgetData),
                    approved: api.hasCapability(MatrixCapabilities.StickerSending), event: null, error: null,
                    done: false };
    state.stickers.push(entry);
    if (!entry.approved) { entry.done = true; return; } // the library replies with an error
    ev.preventDefault();
    api.transport.reply(ev.detail, {}); // acknowledge first, as Element does
    sendStickerEvent(ev.detail.data).then(
      (result) => { entry.event = result; entry.done = true; },
      (error) => { entry.error = String(error && error.message); entry.done = true; },
    );
  });
  return embedUrl(widget, config);
}

// Send a toWidget request and report how it ended (never rejects).
async function send(action, data) {
  try {
    const response = await api.transport.send(action, data || {});
    return { ok: true, response: clone(response) };
  } catch (error) {
    return { ok: false, error: String(error && error.message) };
  }
}

function setOpenID(mode) {
  openidMode = mode;
}

// Finish a pending ("request") OpenID flow, as the user answering Element's dialog.
function resolveOpenID(mode) {
  if (!pendingOpenID) throw new Error("no OpenID request is waiting");
  const observer = pendingOpenID;
  pendingOpenID = null;
  if (mode.state === "allowed") observer.update({ state: OpenIDRequestState.Allowed, token: mode.token });
  else observer.update({ state: OpenIDRequestState.Blocked });
}

// Another frame (other origin or same origin) that tests can post from.
function addFrame(id, url) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.id = id;
    frame.name = id;
    frame.src = url;
    frame.style.display = "none";
    frame.addEventListener("load", () => resolve(id), { once: true });
    document.body.appendChild(frame);
  });
}

window.hexpackHost = {
  start,
  send,
  setOpenID,
  resolveOpenID,
  addFrame,
  state,
  get api() { return api; },
  SANDBOX,
};
