"""Identity in the picker, in real Chromium: matrix-widget-api's ClientWidgetApi hosts the picker as
Element does, hands it a real Synapse OpenID token through get_openid, and the picker shows the
user's own packs (a granted paid pack, favourites first).

Needs the widget host harness (tests/widget_host, tests/support/widget_host.py and browser.py),
which `make setup-test` builds.
"""
from __future__ import annotations

import json
import time

import pytest
from PIL import Image


from app.auth.tokens import get_or_create_user  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Entitlement, Pack  # noqa: E402
from app.packs.importer import import_path  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.synapse]
WIDGET = "/api/widgets/stickerpicker?theme=$theme"


@pytest.fixture(autouse=True)
def fresh_render_caches():
    """The picker's render caches key on (pack id, revision); ids come back after each test's
    table wipe, so a section cached by an earlier test would be served for a different pack."""
    from app.widget import page, render

    render._cache.clear()
    page._pages.clear()


def make_pack(folder, slug, *, price=0):
    folder.mkdir()
    stickers = []
    for index in range(3):
        Image.new("RGBA", (128, 128), (40 * index, 120, 200, 255)).save(folder / f"{index}.png")
        stickers.append({"file": f"{index}.png", "body": f"{slug} {index}"})
    (folder / "pack.json").write_text(json.dumps({
        "name": slug.title(), "slug": slug, "license": "CC0-1.0", "attribution": "tests", "stickers": stickers,
        "price": {"amount": price, "currency": "usd"} if price else 0}))
    import_path(str(folder))


@pytest.fixture
def chatter(app, synapse, tmp_path):
    """A Synapse user who was granted the paid 'gold' pack; 'blobs' is free for everyone."""
    app.config["MATRIX_SERVER_URLS"] = f"{synapse.server_name}={synapse.base_url}"
    make_pack(tmp_path / "blobs", "blobs")
    make_pack(tmp_path / "gold", "gold", price=199)
    person = synapse.register_user()
    user = get_or_create_user(person.user_id)
    gold = db.session.scalar(db.select(Pack).where(Pack.slug == "gold"))
    db.session.add(Entitlement(user_id=user.id, pack_id=gold.id, source="grant"))
    db.session.commit()
    return person


def start(page, widget_host, live_server, person, **config):
    page.goto(widget_host.url)
    cfg = {"widgetUrl": live_server.url + WIDGET, "userId": person.user_id, **config}
    page.evaluate("cfg => hexpackHost.start(cfg)", cfg)


def frame_has(page, selector: str, timeout: float = 15.0) -> None:
    frame = page.frame_locator("#widget-frame")
    deadline = time.monotonic() + timeout
    while frame.locator(selector).count() == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} never appeared; console:\n{page.console_log.text()}")
        time.sleep(0.05)


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
    deadline = time.monotonic() + 15
    while "no Matrix identity shared" not in browser_page.console_log.text():
        assert time.monotonic() < deadline, browser_page.console_log.text()
        browser_page.wait_for_timeout(50)  # lets Playwright deliver console events
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
