"""The sticker picker in real Chromium, hosted like Element does, sending to a real Synapse.

The host page (tests/widget_host) runs matrix-widget-api's ClientWidgetApi on its own origin;
the picker comes from the app's live server on another origin; the sticker event goes to
Synapse over the client-server API, exactly as Element sends it.
"""
from __future__ import annotations

import hashlib
import re

import pytest
import requests

from app.extensions import db
from app.models import Sticker
from app.storage import read_blob
from tests.factories import imported_pack
from tests.support.wait import wait_for_js


WIDGET_TEMPLATE = "/api/widgets/stickerpicker?theme=$theme&user_id=$matrix_user_id&room_id=$matrix_room_id"


@pytest.fixture
def matrix(app, runner, synapse, tmp_path):
    """A published pack ('Blobs'), an unpublished one ('Later'), a chat user and a room."""
    operator = synapse.register_user()
    chatter = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=operator.access_token)
    imported_pack(tmp_path / "blobs", "blobs", bodies=["Happy blob", "Sad blob", "Party blob"], size=(256, 256),
                  runner=runner)
    published = runner.invoke(args=["packs", "publish"])
    assert published.exit_code == 0, published.output
    imported_pack(tmp_path / "later", "later", bodies=["Unsent wave"], size=(256, 256), runner=runner)
    room_id = synapse.create_room(chatter)

    class Matrix:
        pass

    m = Matrix()
    m.synapse, m.operator, m.chatter, m.room_id = synapse, operator, chatter, room_id
    m.stickers = {s.body: s for s in db.session.scalars(db.select(Sticker))}
    return m


def start_host(page, widget_host, live_server, matrix=None, **config):
    page.goto(widget_host.url)
    cfg = {"widgetUrl": live_server.url + WIDGET_TEMPLATE, "theme": "light", **config}
    if matrix is not None:
        cfg.update(userId=matrix.chatter.user_id, roomId=matrix.room_id, homeserverUrl=matrix.synapse.base_url,
                   matrix={"baseUrl": matrix.synapse.base_url, "accessToken": matrix.chatter.access_token,
                           "roomId": matrix.room_id})
    return page.evaluate("cfg => hexpackHost.start(cfg)", cfg)


def host_state(page) -> dict:
    return page.evaluate("JSON.parse(JSON.stringify(hexpackHost.state))")


def wait_until_ready(page):
    try:
        page.wait_for_function("hexpackHost.state.capabilitiesNotified")
    except Exception:
        raise AssertionError(f"capabilities never approved; host state: {host_state(page)}\n"
                             f"console:\n{page.console_log.text()}") from None


def widget_frame(page):
    return page.frame(name="widget-frame")


@pytest.mark.browser
@pytest.mark.synapse
def test_clicking_a_sticker_sends_it_to_the_room(browser_page, widget_host, live_server, matrix):
    page = browser_page
    url = start_host(page, widget_host, live_server, matrix)
    # Element's parameters reach the picker: templated variables plus widgetId and parentUrl.
    assert "widgetId=hexpack_stickerpicker_test" in url
    assert "parentUrl=" + requests.utils.quote(widget_host.url, safe="") in url
    assert page.get_attribute("#widget-frame", "sandbox") == (
        "allow-forms allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts "
        "allow-presentation allow-downloads")
    wait_until_ready(page)
    state = host_state(page)
    assert state["requestedCapabilities"] == ["m.sticker"]
    assert state["approvedCapabilities"] == ["m.sticker"]

    sticker = matrix.stickers["Party blob"]
    page.frame_locator("#widget-frame").locator(f'button[data-sticker-id="{sticker.id}"]').click()
    page.wait_for_function("hexpackHost.state.stickers.length === 1 && hexpackHost.state.stickers[0].done")
    sent = host_state(page)["stickers"][0]
    assert sent["error"] is None, sent
    assert sent["data"]["name"] == "Party blob"
    assert sent["data"]["content"]["url"] == sticker.mxc_uri
    assert sent["widgetData"] == sent["data"]  # Element iOS reads the top-level copy
    assert sent["data"]["content"]["info"]["mimetype"] == sticker.mimetype

    events = matrix.synapse.room_events(matrix.chatter, matrix.room_id, "m.sticker")
    assert len(events) == 1
    content = events[0]["content"]
    assert events[0]["event_id"] == sent["event"]["event_id"]
    assert content["url"] == sticker.mxc_uri
    assert content["body"] == "Party blob"
    assert content["info"]["w"] == 256 and content["info"]["h"] == 256
    assert content["info"]["size"] == sticker.size

    # Anyone in the room can fetch the sticker from the homeserver (authenticated media).
    server_name, media_id = re.match(r"^mxc://([^/]+)/(.+)$", content["url"]).groups()
    media = requests.get(f"{matrix.synapse.base_url}/_matrix/client/v1/media/download/{server_name}/{media_id}",
                         headers={"Authorization": f"Bearer {matrix.chatter.access_token}"}, timeout=10)
    assert media.status_code == 200
    assert hashlib.sha256(media.content).hexdigest() == sticker.image_sha256
    assert media.content == read_blob(sticker.image_sha256)
    assert media.headers["Content-Type"].startswith(sticker.mimetype)

    # The picker closes nothing itself, but it remembers the sticker in its recent row.
    frame = page.frame_locator("#widget-frame")
    recent = frame.locator(f'#recent button[data-sticker-id="{sticker.id}"]')
    assert recent.count() == 1
    assert frame.locator("#recent-tab").is_visible()


@pytest.mark.browser
@pytest.mark.synapse
def test_widget_answers_every_request_from_the_client(browser_page, widget_host, live_server, matrix):
    page = browser_page
    start_host(page, widget_host, live_server, matrix, theme="light")
    wait_until_ready(page)
    # capabilities, notify_capabilities, then Element's theme_change and visibility.
    page.wait_for_function("hexpackHost.state.toWidget.length >= 4 && hexpackHost.state.toWidget.every(e => e.done)")
    extra = {
        "supported_api_versions": page.evaluate("hexpackHost.send('supported_api_versions', {})"),
        "language_change": page.evaluate("hexpackHost.send('language_change', {lang: 'de'})"),
        "visibility": page.evaluate("hexpackHost.send('visibility', {visible: false})"),
        "theme_change": page.evaluate("hexpackHost.send('theme_change', {name: 'dark'})"),
        "openid_credentials": page.evaluate("hexpackHost.send('openid_credentials', {state: 'blocked'})"),
        "org.example.unknown": page.evaluate("hexpackHost.send('org.example.unknown', {})"),
    }
    state = host_state(page)
    for entry in state["toWidget"]:
        assert entry["done"], entry
        assert not entry.get("error", {}).get("timedOut"), f"no reply to {entry['action']}"
        assert entry["ms"] < 2000, entry
    answered_ok = [e["action"] for e in state["toWidget"] if "response" in e]
    assert answered_ok[:4] == ["capabilities", "notify_capabilities", "theme_change", "visibility"]
    for action in ("supported_api_versions", "language_change", "visibility", "theme_change", "openid_credentials"):
        assert extra[action]["ok"], (action, extra[action])
    versions = extra["supported_api_versions"]["response"]["supported_versions"]
    assert "0.0.2" in versions and "org.matrix.msc2871" in versions
    assert extra["org.example.unknown"] == {"ok": False, "error": "Unsupported action: org.example.unknown"}

    frame = widget_frame(page)
    assert frame.evaluate("document.documentElement.dataset.theme") == "dark"
    assert frame.evaluate("document.documentElement.lang") == "de"
    assert frame.evaluate("window.hexpackWidget.approved") == ["m.sticker"]
    # Every reply went back to the host's origin, and the widget sent nothing it should not.
    assert all(item["origin"] == live_server.url for item in state["fromWidget"])


@pytest.mark.browser
@pytest.mark.synapse
def test_messages_from_other_windows_and_origins_are_ignored(browser_page, widget_host, live_server, matrix):
    page = browser_page
    start_host(page, widget_host, live_server, matrix, theme="light")
    wait_until_ready(page)
    frame = widget_frame(page)
    assert frame.evaluate("document.documentElement.dataset.theme") == "light"
    page.evaluate("url => hexpackHost.addFrame('other-origin', url)", widget_host.other.url + "/blank.html")
    page.evaluate("url => hexpackHost.addFrame('same-origin', url)", widget_host.host.url + "/blank.html")
    request = {"api": "toWidget", "widgetId": "hexpack_stickerpicker_test", "action": "theme_change",
               "data": {"name": "dark"}}
    for name in ("other-origin", "same-origin"):
        # A sibling frame posts a well-formed request to the widget (frames[0] of the host page).
        page.frame(name=name).evaluate(
            "req => window.parent.frames[0].postMessage(req, '*')", {**request, "requestId": f"intruder-{name}"})
    # A request the real parent sends afterwards proves the earlier ones were processed by now.
    assert page.evaluate("hexpackHost.send('supported_api_versions', {})")["ok"]
    assert frame.evaluate("document.documentElement.dataset.theme") == "light"


@pytest.mark.browser
@pytest.mark.synapse
def test_widget_ignores_its_parent_when_parent_url_names_another_origin(browser_page, widget_host, live_server,
                                                                         matrix):
    page = browser_page
    start_host(page, widget_host, live_server, matrix, theme="light", timeoutSeconds=2,
               parentUrl=widget_host.other.url + "/host.html")
    page.wait_for_function("hexpackHost.state.preparingError !== null", timeout=10_000)
    state = host_state(page)
    assert state["capabilitiesNotified"] is False
    assert state["toWidget"][0]["action"] == "capabilities"
    assert state["toWidget"][0]["error"]["timedOut"]
    assert widget_frame(page).evaluate("window.hexpackWidget.approved") == []


@pytest.mark.browser
@pytest.mark.synapse
def test_unpublished_sticker_is_not_sent_and_the_picker_says_why(browser_page, widget_host, live_server, matrix):
    page = browser_page
    start_host(page, widget_host, live_server, matrix)
    wait_until_ready(page)
    unsent = matrix.stickers["Unsent wave"]
    assert unsent.mxc_uri is None
    frame = page.frame_locator("#widget-frame")
    button = frame.locator(f'button[data-sticker-id="{unsent.id}"]')
    assert button.get_attribute("aria-disabled") == "true"
    # aria-disabled keeps the button focusable and clickable (Playwright would wait for "enabled").
    button.click(force=True)
    status = frame.locator("#status")
    status.wait_for(state="visible")
    assert "Unsent wave" in status.inner_text()
    assert "isn’t on the homeserver" in status.inner_text()
    box = status.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 300, box  # on screen
    page.wait_for_timeout(300)
    assert host_state(page)["stickers"] == []
    assert [e for e in host_state(page)["fromWidget"] if e["action"] == "m.sticker"] == []
    assert matrix.synapse.room_events(matrix.chatter, matrix.room_id, "m.sticker") == []


@pytest.mark.browser
@pytest.mark.synapse
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_picker_fits_the_popover(browser_page, widget_host, live_server, matrix, theme, tmp_path):
    page = browser_page
    start_host(page, widget_host, live_server, matrix, theme=theme)
    wait_until_ready(page)
    frame = widget_frame(page)
    assert frame.evaluate("document.documentElement.dataset.theme") == theme
    # No horizontal scrolling in a 300 px popover; the search box and the first stickers show.
    assert frame.evaluate("document.documentElement.scrollWidth") <= 300
    wait_for_js(page, "[...document.querySelectorAll('.pack img, .tab img')].slice(0, 6)"
                      ".every(i => i.complete && i.naturalWidth > 0)", frame=frame)
    page.screenshot(path=str(tmp_path / f"picker-{theme}.png"))


def test_widget_page_may_be_framed_by_any_client(live_server, app):
    response = requests.get(live_server.url + "/api/widgets/stickerpicker", timeout=10)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    # "*" (any http/https page) plus vector: (Element Desktop), the WIDGET_FRAME_ANCESTORS default.
    assert re.search(r"(^|;)\s*frame-ancestors \* vector:\s*(;|$)", csp), csp
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # Other pages stay unframeable.
    other = requests.get(live_server.url + "/healthz", timeout=10)
    assert other.headers.get("X-Frame-Options") == "DENY"


@pytest.mark.browser
@pytest.mark.synapse
def test_search_and_keyboard_send_and_recent_row_survives_a_reload(browser_page, widget_host, live_server, matrix):
    page = browser_page
    start_host(page, widget_host, live_server, matrix)
    wait_until_ready(page)
    frame = page.frame_locator("#widget-frame")
    search = frame.locator("#search")
    # visibility {visible: true} from the client puts the cursor in the search box.
    frame.locator("#search:focus").wait_for()
    page.keyboard.type("PARTY")
    shown = frame.locator("button.s:visible")
    assert shown.count() == 1 and shown.get_attribute("title") == "Party blob"
    page.keyboard.type("zzz")
    assert frame.locator("#no-results").is_visible() and shown.count() == 0
    page.keyboard.press("Escape")
    assert search.input_value() == "" and shown.count() == 4
    page.keyboard.type("blob")
    page.keyboard.press("ArrowDown")
    assert frame.locator("button.s:focus").get_attribute("title") == "Happy blob"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert frame.locator("button.s:focus").get_attribute("title") == "Party blob"
    page.keyboard.press("Enter")
    page.wait_for_function("hexpackHost.state.stickers.length === 1 && hexpackHost.state.stickers[0].done")
    assert host_state(page)["stickers"][0]["data"]["name"] == "Party blob"
    page.keyboard.press("ArrowUp")
    assert frame.locator("#search:focus").count() == 1

    # A new picker (same browser profile) starts with the sticker in its recent row.
    page.reload()
    start_host(page, widget_host, live_server, matrix)
    wait_until_ready(page)
    recent = frame.locator("#recent button.s")
    assert recent.count() == 1
    assert recent.get_attribute("title") == "Party blob"
    assert frame.locator("#recent-tab").is_visible()


@pytest.fixture
def big_pack(app, runner, tmp_path):
    return imported_pack(tmp_path / "big", "big", bodies=[f"Big {i}" for i in range(40)], size=(256, 256),
                         runner=runner)


@pytest.mark.browser
def test_offscreen_stickers_load_lazily_and_tabs_do_not_touch_history(browser_page, live_server, big_pack):
    page = browser_page
    page.goto(live_server.url + "/api/widgets/stickerpicker?theme=light")
    page.wait_for_load_state("load")
    loaded = "[...document.querySelectorAll('button.s img')].filter(i => i.getAttribute('src')).length"
    first = page.evaluate(loaded)
    assert 12 <= first < 40  # the first screen (and a little more) only
    last = page.locator("button.s img").last
    assert last.get_attribute("src") is None and last.get_attribute("data-src")
    history = page.evaluate("history.length")
    page.locator("a.tab").last.click()  # the Big pack's tab scrolls to it
    page.mouse.wheel(0, 5000)
    wait_for_js(page, "(() => { const i = [...document.querySelectorAll('button.s img')].pop();"
                      " return i.complete && i.naturalWidth > 0; })()")
    assert page.evaluate(loaded) == 40
    assert page.evaluate("history.length") == history and page.evaluate("location.hash") == ""
    assert page.locator("a.tab.active").count() == 1
    # Pack icons wait until the grid is queued, then load without any scrolling.
    wait_for_js(page, "[...document.querySelectorAll('a.tab img')].every(i => i.complete && i.naturalWidth > 0)")


@pytest.mark.browser
@pytest.mark.synapse
def test_host_answers_get_openid_with_a_real_synapse_token(browser_page, widget_host, live_server, matrix):
    """The harness's askOpenID, for the identity work: immediate and after a consent delay."""
    page = browser_page
    token = matrix.synapse.openid_token(matrix.chatter)
    start_host(page, widget_host, live_server, matrix, openid={"state": "allowed", "token": token})
    wait_until_ready(page)
    frame = widget_frame(page)
    reply = frame.evaluate("hexpackWidget.sendRequest('get_openid', {})")
    assert reply["state"] == "allowed" and reply["access_token"] == token["access_token"]
    assert reply["matrix_server_name"] == matrix.synapse.server_name
    userinfo = requests.get(f"{matrix.synapse.base_url}/_matrix/federation/v1/openid/userinfo",
                            params={"access_token": reply["access_token"]}, timeout=10)
    assert userinfo.json() == {"sub": matrix.chatter.user_id}

    # Element's consent dialog: {state: "request"} now, openid_credentials later.
    page.evaluate("hexpackHost.setOpenID({state: 'request'})")
    frame.evaluate("window.__creds = null; hexpackWidget.on('openid_credentials', (d) => { window.__creds = d; })")
    pending = frame.evaluate("hexpackWidget.sendRequest('get_openid', {})")
    assert pending == {"state": "request"}
    later = matrix.synapse.openid_token(matrix.chatter)
    page.evaluate("token => hexpackHost.resolveOpenID({state: 'allowed', token})", later)
    wait_for_js(page, "window.__creds !== null", frame=frame)
    creds = frame.evaluate("window.__creds")
    assert creds["state"] == "allowed" and creds["access_token"] == later["access_token"]
    assert creds["original_request_id"]
    page.wait_for_function("hexpackHost.state.toWidget.some(e => e.action === 'openid_credentials' && e.done)")
    delivered = [e for e in host_state(page)["toWidget"] if e["action"] == "openid_credentials"]
    assert delivered[0]["response"] == {}
    # The picker asks once by itself at start (identity.js), then the two asks above.
    assert [entry["mode"] for entry in host_state(page)["openid"]] == ["allowed", "allowed", "request"]


@pytest.mark.browser
@pytest.mark.synapse
def test_a_client_without_parent_url_is_pinned_to_its_first_request(browser_page, widget_host, live_server, matrix):
    page = browser_page
    url = start_host(page, widget_host, live_server, matrix, omitParentUrl=True)
    assert "parentUrl" not in url
    wait_until_ready(page)
    page.evaluate("url => hexpackHost.addFrame('other-origin', url)", widget_host.other.url + "/blank.html")
    page.frame(name="other-origin").evaluate(
        "req => window.parent.frames[0].postMessage(req, '*')",
        {"api": "toWidget", "widgetId": "hexpack_stickerpicker_test", "requestId": "intruder",
         "action": "theme_change", "data": {"name": "dark"}})
    assert page.evaluate("hexpackHost.send('supported_api_versions', {})")["ok"]
    assert widget_frame(page).evaluate("document.documentElement.dataset.theme") == "light"
    sticker = matrix.stickers["Happy blob"]
    page.frame_locator("#widget-frame").locator(f'button[data-sticker-id="{sticker.id}"]').click()
    page.wait_for_function("hexpackHost.state.stickers.length === 1 && hexpackHost.state.stickers[0].done")
    assert host_state(page)["stickers"][0]["event"]["content"]["url"] == sticker.mxc_uri


# Element Android loads the picker top-level in a WebView with widgetId, room_id and theme
# (WidgetArgsBuilder.buildStickerPickerArgs: no parentUrl) and injects a bridge that hears
# the widget's window.parent.postMessage on the widget's own window and answers through
# event.source.postMessage(data, event.origin) (element-android's postMessage bridge script).
ANDROID_BRIDGE = """
window.__bridge = [];
window.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.api !== 'fromWidget' || data.response) return;
  window.__bridge.push({ data: JSON.parse(JSON.stringify(data)), origin: event.origin });
  const reply = JSON.parse(JSON.stringify(data));
  reply.response = {};
  setTimeout(() => event.source.postMessage(reply, event.origin), 50);
});
"""


@pytest.mark.browser
@pytest.mark.synapse
def test_element_android_webview_bridge_gets_the_sticker(browser_page, live_server, matrix):
    page = browser_page
    page.add_init_script(ANDROID_BRIDGE)
    page.goto(f"{live_server.url}/api/widgets/stickerpicker?widgetId=android_widget"
              f"&room_id={requests.utils.quote(matrix.room_id)}&theme=black")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    sticker = matrix.stickers["Sad blob"]
    page.locator(f'button[data-sticker-id="{sticker.id}"]').click()
    wait_for_js(page, "window.__bridge.length === 1")
    sent = page.evaluate("window.__bridge[0]")
    assert sent["origin"] == live_server.url
    data = sent["data"]
    assert data["action"] == "m.sticker" and data["widgetId"] == "android_widget"
    assert data["data"]["content"]["body"] == "Sad blob"  # what Element Android shows
    assert data["data"]["content"]["url"] == sticker.mxc_uri
    assert data["widgetData"] == data["data"]  # Element iOS
    # The bridge's answer reached the widget: no error shown, and the sticker is in recents.
    wait_for_js(page, "document.querySelectorAll('#recent button.s').length === 1")
    page.wait_for_timeout(200)
    assert page.locator("#status").inner_text() == ""


FOCUSED = """() => { const b = document.activeElement, r = b.getBoundingClientRect();
  return {title: b.title || b.id, pack: b.closest('section') ? b.closest('section').id : null, x: r.x, y: r.y}; }"""
TAB_STOPS = "[...document.querySelectorAll('button.s')].filter(b => b.tabIndex === 0 && !b.closest('[hidden]'))" \
            ".map(b => b.closest('section').id + ': ' + b.title)"


@pytest.mark.browser
@pytest.mark.synapse
def test_arrow_keys_move_through_the_grids_and_each_grid_is_one_tab_stop(browser_page, widget_host, live_server,
                                                                        matrix, big_pack):
    page = browser_page
    start_host(page, widget_host, live_server, matrix)
    wait_until_ready(page)
    frame = widget_frame(page)
    locate = page.frame_locator("#widget-frame")
    locate.locator("#search:focus").wait_for()
    keys = page.keyboard

    def focused():
        return frame.evaluate(FOCUSED)

    sections = frame.evaluate("[...document.querySelectorAll('.pack:not([hidden])')].map(s => s.id)")
    assert sections == ["pack-blobs", "pack-later", "pack-big"]
    assert frame.evaluate(TAB_STOPS) == ["pack-blobs: Happy blob", "pack-later: Unsent wave (not on the homeserver yet)",
                                         "pack-big: Big 0 (not on the homeserver yet)"]
    # The Big pack's columns, as laid out: the stickers on its first row.
    columns = frame.evaluate("(() => { const b = [...document.querySelectorAll('#pack-big button.s')];"
                             " return b.filter(x => x.getBoundingClientRect().y === b[0].getBoundingClientRect().y)"
                             ".length; })()")
    assert columns >= 3

    keys.press("ArrowDown")  # from the search box into the first grid
    assert focused()["title"] == "Happy blob"
    keys.press("ArrowRight")
    keys.press("ArrowDown")  # Blobs has one row: on to Later's, its column clamped to Later's one sticker
    assert focused()["title"].startswith("Unsent wave")
    keys.press("ArrowDown")
    keys.press("ArrowRight")
    here = focused()
    assert here["title"].startswith("Big 1 ")
    keys.press("ArrowDown")  # straight down one row
    below = focused()
    assert below["title"].startswith(f"Big {1 + columns} ")
    assert abs(below["x"] - here["x"]) < 1 and below["y"] > here["y"]
    keys.press("ArrowUp")
    keys.press("ArrowUp")  # from Big's first row up into Later
    assert focused()["title"].startswith("Unsent wave")
    keys.press("ArrowLeft")  # past the start of Later: the last sticker of Blobs
    assert focused()["title"] == "Party blob"
    keys.press("ArrowRight")
    keys.press("ArrowRight")
    assert focused()["title"].startswith("Big 0 ")
    for _ in range(columns):
        keys.press("ArrowRight")  # the last one goes past the row's end, to the next row's start
    assert focused()["title"].startswith(f"Big {columns} ")
    keys.press("End")
    assert focused()["title"].startswith("Big 39 ")
    keys.press("ArrowDown")  # the picker's end: nowhere to go
    assert focused()["title"].startswith("Big 39 ")
    keys.press("ArrowUp")
    assert focused()["title"].startswith(f"Big {39 - columns} ")
    keys.press("Home")
    assert focused()["title"].startswith("Big 0 ")
    keys.press("ArrowRight")

    # Shift+Tab leaves the grid for the one before, Tab comes back to the same sticker.
    keys.press("Shift+Tab")
    assert focused()["pack"] == "pack-later"
    keys.press("Shift+Tab")
    assert focused()["title"] == "Party blob"  # the one last focused in Blobs
    keys.press("Tab")
    keys.press("Tab")
    assert focused()["title"].startswith("Big 1 ")

    # Filtered: only the matches count, in their own rows.
    locate.locator("#search").fill("big 1")
    assert frame.evaluate(TAB_STOPS) == ["pack-big: Big 1 (not on the homeserver yet)"]
    locate.locator("#search").press("ArrowDown")
    assert focused()["title"].startswith("Big 1 ")
    keys.press("ArrowDown")
    shown = frame.evaluate("[...document.querySelectorAll('#pack-big button.s:not([hidden])')].map(b => b.title)")
    assert shown[0].startswith("Big 1 ") and len(shown) > columns  # Big 1, Big 10 ... Big 19, Big 21 ...
    assert focused()["title"] == shown[columns]
    locate.locator("#search").fill("")

    # Space sends like Enter; the sticker is then first in "Recently used", which arrows reach too.
    locate.locator("#pack-blobs button.s").nth(1).focus()
    keys.press("Space")
    page.wait_for_function("hexpackHost.state.stickers.length === 1 && hexpackHost.state.stickers[0].done")
    assert host_state(page)["stickers"][0]["data"]["name"] == "Sad blob"
    locate.locator("#recent button.s").wait_for()
    locate.locator("#search").press("ArrowDown")
    assert focused() | {"x": 0, "y": 0} == {"title": "Sad blob", "pack": "recent", "x": 0, "y": 0}
    keys.press("ArrowDown")
    assert focused()["title"] == "Happy blob"
    assert frame.evaluate(TAB_STOPS)[:2] == ["recent: Sad blob", "pack-blobs: Happy blob"]
