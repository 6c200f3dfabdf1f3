"""Identity in the picker, in real Chromium: matrix-widget-api's ClientWidgetApi hosts the picker as
Element does, hands it a real Synapse OpenID token through get_openid, and the picker shows the
user's own packs (a granted paid pack, favourites first).

Needs the widget host harness (tests/widget_host, tests/support/widget_host.py and fixtures/browser.py),
which `make setup-test` builds.
"""
from __future__ import annotations

import time

import pytest

from tests.factories import grant, imported_pack, price, user
from tests.support.wait import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.synapse]
WIDGET = "/api/widgets/stickerpicker?theme=$theme"


@pytest.fixture
def chatter(app, synapse, tmp_path):
    """A Synapse user who was granted the paid 'gold' pack; 'blobs' is free for everyone."""
    app.config["MATRIX_SERVER_URLS"] = f"{synapse.server_name}={synapse.base_url}"
    imported_pack(tmp_path / "blobs", "blobs", size=(128, 128))
    gold = imported_pack(tmp_path / "gold", "gold", size=(128, 128), price=price(199))
    person = synapse.register_user()
    grant(user(person.user_id), gold)
    return person


def start(page, widget_host, live_server, person, **config):
    page.goto(widget_host.url)
    cfg = {"widgetUrl": live_server.url + WIDGET, "userId": person.user_id, **config}
    return page.evaluate("cfg => hexpackHost.start(cfg)", cfg)


def frame_has(page, selector: str) -> None:
    frame = page.frame_locator("#widget-frame")
    wait_until(lambda: frame.locator(selector).count(), timeout=15, message=selector, page=page)


def sections(page) -> list[str]:
    return page.frame_locator("#widget-frame").locator("#packs > section.pack:not([hidden])").evaluate_all(
        "nodes => nodes.map(n => n.id)")


def host_state(page) -> dict:
    return page.evaluate("JSON.parse(JSON.stringify(hexpackHost.state))")


def test_openid_allowed_shows_the_users_own_packs(browser_page, widget_host, live_server, synapse, chatter):
    token = synapse.openid_token(chatter)
    start(browser_page, widget_host, live_server, chatter, openid={"state": "allowed", "token": token})
    frame_has(browser_page, "#pack-gold")
    assert sections(browser_page) == ["pack-blobs", "pack-gold"]
    assert [entry["mode"] for entry in host_state(browser_page)["openid"]] == ["allowed"]
    # The swapped-in tabs show their pack icons (whether the page deferred them or not).
    frame = browser_page.frame_locator("#widget-frame")
    assert frame.locator('nav.tabs a[href="#pack-gold"] img').get_attribute("src")
    assert frame.locator("nav.tabs img[data-src]").count() == 0


def test_openid_without_parent_url_asks_the_client_pinned_by_its_first_request(browser_page, widget_host,
                                                                               live_server, synapse, chatter):
    """A client that frames the picker without parentUrl (not Element Web) is known only by the origin
    of its first request; identity asks that client for the OpenID token all the same."""
    token = synapse.openid_token(chatter)
    url = start(browser_page, widget_host, live_server, chatter, omitParentUrl=True,
                openid={"state": "allowed", "token": token})
    assert "parentUrl" not in url
    frame_has(browser_page, "#pack-gold")
    assert sections(browser_page) == ["pack-blobs", "pack-gold"]
    state = host_state(browser_page)
    assert [entry["mode"] for entry in state["openid"]] == ["allowed"]
    assert [e for e in state["fromWidget"] if e["action"] == "get_openid"][0]["origin"] == live_server.url
    frame = browser_page.frame_locator("#widget-frame")
    assert frame.locator("#hexpack-manage").count() == 1  # the pinned client may open its manager

    # Another origin's frame is still not the client: its requests are ignored.
    browser_page.evaluate("url => hexpackHost.addFrame('other-origin', url)", widget_host.other.url + "/blank.html")
    for action, data in (("theme_change", {"name": "dark"}), ("openid_credentials", {"state": "allowed"})):
        browser_page.frame(name="other-origin").evaluate(
            "req => window.parent.frames[0].postMessage(req, '*')",
            {"api": "toWidget", "widgetId": "hexpack_stickerpicker_test", "requestId": "intruder-" + action,
             "action": action, "data": data})
    assert browser_page.evaluate("hexpackHost.send('supported_api_versions', {})")["ok"]
    widget = browser_page.frame(name="widget-frame")
    assert widget.evaluate("document.documentElement.dataset.theme") == "light"
    assert widget.evaluate("window.hexpackWidget.origin") == widget_host.origin
    assert len(host_state(browser_page)["openid"]) == 1


def test_openid_after_the_users_consent(browser_page, widget_host, live_server, synapse, chatter):
    start(browser_page, widget_host, live_server, chatter, openid={"state": "request"})
    frame_has(browser_page, "#pack-blobs")
    browser_page.wait_for_function("hexpackHost.state.openid.length === 1")
    status = browser_page.frame_locator("#widget-frame").locator("#status")
    assert "verify your identity" in status.text_content()
    assert "pack-gold" not in sections(browser_page)
    browser_page.evaluate("token => hexpackHost.resolveOpenID({state: 'allowed', token})", synapse.openid_token(chatter))
    frame_has(browser_page, "#pack-gold")
    # The delayed openid_credentials push was acknowledged, not left to time out.
    pushes = [e for e in host_state(browser_page)["toWidget"] if e["action"] == "openid_credentials"]
    assert len(pushes) == 1 and pushes[0].get("response") == {}


def test_openid_blocked_keeps_the_free_picker(browser_page, widget_host, live_server, chatter):
    start(browser_page, widget_host, live_server, chatter, openid={"state": "blocked"})
    wait_until(lambda: "no Matrix identity shared" in browser_page.console_log.text(), timeout=15,
               message="the picker to log that no identity was shared", page=browser_page)
    assert [entry["mode"] for entry in host_state(browser_page)["openid"]] == ["blocked"]
    # Declining is a fine answer: no toast covers the stickers, the free picker stays.
    assert browser_page.frame_locator("#widget-frame").locator("#status").text_content() == ""
    assert sections(browser_page) == ["pack-blobs"]


def test_scalar_token_renders_the_users_picker_without_asking(browser_page, widget_host, live_server, client,
                                                              synapse, chatter):
    scalar_token = client.post("/api/register?v=1.1", json=synapse.openid_token(chatter)).json["scalar_token"]
    start(browser_page, widget_host, live_server, chatter, scalarToken=scalar_token, openid={"state": "blocked"})
    frame_has(browser_page, "#pack-gold")
    time.sleep(0.5)
    assert host_state(browser_page)["openid"] == []  # no get_openid: the server knew the user already

    # Right-click stars a sticker; the favourites row comes first.
    frame = browser_page.frame_locator("#widget-frame")
    frame.locator("#pack-gold button.s").first.click(button="right", force=True)  # unpublished: aria-disabled
    frame_has(browser_page, "#pack-_favourites button.s")
    assert sections(browser_page)[0] == "pack-_favourites"

    # The manage button asks Element to open the integration manager at the picker screen.
    frame.locator("#hexpack-manage").click()
    browser_page.wait_for_function(
        "hexpackHost.state.fromWidget.some(m => m.action === 'integration_manager_open')")
