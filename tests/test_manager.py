"""The integration manager UI page (integrations_ui_url), server side and in Chromium."""
import re
import time
from urllib.parse import quote

import pytest

from app.assets import asset_url
from app.extensions import db
from app.integrations import terms
from app.models import Pack, PickerPack, TermsAcceptance
from tests.factories import imported_pack, signed_in_user
from tests.support.httpserver import ScriptedServer
from tests.support.wait import wait_until

ELEMENT_QUERY = "&room_id=%21room%3Aexample.org&room_name=Room&theme=dark&integ_id=old-picker&screen=type_m.stickerpicker"


@pytest.fixture
def alice_im(app, tmp_path):
    """@alice:example.org with an IM token (the manager's scalar_token), not the shared widget-token
    `alice`; the terms accepted, and two free packs."""
    imported_pack(tmp_path / "cats", "cats", count=1)
    imported_pack(tmp_path / "dogs", "dogs", count=1)
    alice_im = signed_in_user("@alice:example.org", kind="im")
    for policy in terms.POLICIES:
        db.session.add(TermsAcceptance(user_id=alice_im.user.id, policy=policy.key, version=policy.version))
    db.session.commit()
    return alice_im


def test_manager_without_a_token_explains_where_to_open_it(client):
    response = client.get("/manager?theme=dark")
    assert response.status_code == 401
    assert b"Open Hexpack from your Matrix client" in response.data
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]


def test_manager_page_for_the_user(client, alice_im):
    token = alice_im.token
    response = client.get(f"/manager?scalar_token={quote(token)}{ELEMENT_QUERY}")
    assert response.status_code == 200
    html = response.data.decode()
    assert "@alice:example.org" in html
    assert re.findall(r'<li data-slug="([^"]+)"', html) == ["cats", "dogs"]
    assert 'data-picker-url="http://127.0.0.1/api/widgets/stickerpicker?theme=$theme"' in html
    assert 'data-integ-id="old-picker"' in html and 'data-screen="type_m.stickerpicker"' in html
    assert 'data-theme="dark"' in html
    assert 'data-client-origins=""' in html
    assert "accept-terms" not in html
    assert f'<script src="{asset_url("js/manager-bundle.js")}" defer></script>' in html  # one script request
    # Element frames it (no sandbox); the token in the URL makes it private.
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_manager_lists_the_configured_element_origins(app, client, alice_im):
    token = alice_im.token
    app.config["ELEMENT_ORIGINS"] = "https://app.element.io, https://chat.example.org  vector://vector"
    html = client.get(f"/manager?scalar_token={quote(token)}").data.decode()
    assert 'data-client-origins="https://app.element.io https://chat.example.org vector://vector"' in html


def test_manager_offers_the_terms_when_not_accepted_and_notes_a_removed_picker(client, alice_im):
    user, token = alice_im.user, alice_im.token
    db.session.execute(db.delete(TermsAcceptance))
    user.picker_hidden = True
    db.session.commit()
    html = client.get(f"/manager?scalar_token={quote(token)}").data.decode()
    assert 'id="accept-terms" data-urls="http://127.0.0.1/terms/tos-1.0-en.html"' in html
    assert "You removed the sticker picker" in html


def test_terms_document_is_not_frameable(client):
    response = client.get("/terms/tos-1.0-en.html")
    assert response.status_code == 200 and response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/terms/tos-9.9-en.html").status_code == 404


# --- in Chromium, under a stand-in for Element's ScalarMessaging ---------------------------------
# A transcription of what element-web's src/ScalarMessaging.ts does with IM UI messages: accept
# them only from the integration manager's origin and only without an "api" field; get_widgets
# answers the user's m.widgets entries; set_widget validates field types and writes (or with
# url null deletes) the entry WidgetUtils.setUserWidget writes; replies are a clone plus
# "response", posted back to event.origin. Like Element Web, the page sends no referrer.
SCALAR_HOST = """<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><body><script>
const host = {messages: [], widgets: {}, closed: false, managerOrigin: null};
window.scalarHost = host;
window.addEventListener("message", (event) => {
  const msg = event.data;
  if (event.origin !== host.managerOrigin || !msg || !msg.action || msg.api) return;
  host.messages.push(JSON.parse(JSON.stringify(msg)));
  let response;
  if (msg.action === "get_widgets") response = Object.values(host.widgets);
  else if (msg.action === "close_scalar") { host.closed = true; response = null; }
  else if (msg.action === "set_widget" && msg.userWidget) {
    if (!msg.widget_id || msg.url === undefined) response = {error: {message: "Unable to create widget."}};
    else if (msg.url !== null && (typeof msg.type !== "string" || typeof msg.url !== "string" ||
             (msg.name !== undefined && typeof msg.name !== "string") ||
             (msg.data !== undefined && !(msg.data instanceof Object)))) response = {error: {message: "Unable to create widget."}};
    else {
      delete host.widgets[msg.widget_id];
      if (msg.url) host.widgets[msg.widget_id] = {content: {type: msg.type, url: msg.url, name: msg.name, data: msg.data},
        sender: "@alice:example.org", state_key: msg.widget_id, type: "m.widget", id: msg.widget_id};
      response = {success: true};
    }
  } else response = {error: {message: "unsupported in this test"}};
  const reply = JSON.parse(JSON.stringify(msg));
  reply.response = response;
  event.source.postMessage(reply, event.origin);
});
window.openManager = (url, managerOrigin) => {
  host.managerOrigin = managerOrigin;
  const frame = document.createElement("iframe");
  frame.id = "im";
  frame.src = url;
  frame.style.width = "900px";
  frame.style.height = "700px";
  document.body.appendChild(frame);
};
</script></body>"""


@pytest.fixture
def chromium_browser(chromium):
    """The session's shared Chromium (tests/support/fixtures/browser.py)."""
    return chromium


@pytest.mark.browser
def test_manager_adds_the_picker_through_scalar_messaging(chromium_browser, live_server, alice_im):
    user, token = alice_im.user, alice_im.token
    with ScriptedServer(lambda path, headers: (200, {"Content-Type": "text/html"}, SCALAR_HOST.encode())) as element:
        context = chromium_browser.new_context()
        page = context.new_page()
        page.goto(element.url + "/")
        page.evaluate("""() => { scalarHost.widgets["old-picker"] = {content: {type: "m.stickerpicker",
            url: "https://other.example/stickers", name: "Other"}, state_key: "old-picker", id: "old-picker",
            type: "m.widget", sender: "@alice:example.org"}; }""")
        page.evaluate("([url, origin]) => openManager(url, origin)",
                      [f"{live_server.url}/manager?scalar_token={quote(token)}{ELEMENT_QUERY}", live_server.url])
        frame = page.frame_locator("#im")
        state = frame.locator("#picker-state")
        wait_until(lambda: "another sticker picker (Other)" in (state.text_content() or ""),
                   message="get_widgets", page=page)

        frame.locator("#install").click()
        wait_until(lambda: "Hexpack sticker picker is in your account" in (state.text_content() or ""),
                   message="set_widget", page=page)
        messages = page.evaluate("scalarHost.messages")
        set_widget = next(m for m in messages if m["action"] == "set_widget")
        assert set_widget == {"action": "set_widget", "request_id": set_widget["request_id"],
                              "widget_id": "old-picker", "type": "m.stickerpicker",
                              "url": "http://127.0.0.1/api/widgets/stickerpicker?theme=$theme",
                              "name": "Hexpack stickers", "data": {}, "userWidget": True}
        assert all("api" not in m for m in messages)
        assert page.evaluate("scalarHost.widgets['old-picker'].content.name") == "Hexpack stickers"
        db.session.refresh(user)
        assert user.picker_hidden is False

        # Reorder and hide packs: stored server-side for every device.
        frame.locator('li[data-slug="dogs"] button.up').click()
        wait_until(lambda: db.session.scalar(db.select(db.func.count(PickerPack.id))) == 2,
                   message="PUT /api/v1/me/picker", page=page)
        frame.locator('li[data-slug="cats"] input[type=checkbox]').uncheck()

        def stored():
            db.session.expire_all()
            rows = db.session.execute(db.select(Pack.slug, PickerPack.position, PickerPack.visible)
                                      .join(PickerPack, PickerPack.pack_id == Pack.id).order_by(PickerPack.position))
            return [tuple(row) for row in rows]

        wait_until(lambda: stored() == [("dogs", 0, True), ("cats", 1, False)], message="hidden pack saved", page=page)

        frame.locator("#uninstall").click()
        wait_until(lambda: page.evaluate("Object.keys(scalarHost.widgets).length") == 0, message="removal", page=page)
        wait_until(lambda: "no sticker picker yet" in (state.text_content() or ""),
                   message="state after removal", page=page)
        frame.locator("#install").click()
        wait_until(lambda: page.evaluate("Object.keys(scalarHost.widgets).length") == 1,
                   message="fresh install", page=page)
        assert re.match(r"^hexpack-stickerpicker-\d+$", page.evaluate("Object.keys(scalarHost.widgets)[0]"))
        frame.locator("#close").click()
        wait_until(lambda: page.evaluate("scalarHost.closed"), message="close_scalar", page=page)
        context.close()


@pytest.mark.browser
def test_manager_posts_only_to_the_parent_origin(chromium_browser, live_server, alice_im):
    token = alice_im.token
    with ScriptedServer(lambda path, headers: (200, {"Content-Type": "text/html"}, SCALAR_HOST.encode())) as element:
        context = chromium_browser.new_context()
        page = context.new_page()
        page.goto(element.url + "/")
        # Told that its parent lives elsewhere, the manager's messages must not reach this page.
        url = f"{live_server.url}/manager?scalar_token={quote(token)}&parent_url=https%3A%2F%2Felsewhere.example%2F"
        page.evaluate("([url, origin]) => openManager(url, origin)", [url, live_server.url])
        frame = page.frame_locator("#im")
        wait_until(lambda: frame.locator("#install").count() == 1, message="page load", page=page)
        time.sleep(1.0)
        assert page.evaluate("scalarHost.messages") == []
        context.close()
