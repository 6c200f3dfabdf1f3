"""The store tab's "Use in other clients" (store-export.js) in real Chromium, in the picker hosted as
Element hosts it with a real Synapse OpenID token: an owned pack exports into the user's pack room on
the real Synapse and downloads as a zip; a pack the user may not use offers neither; without a bot the
server's message shows. Screenshots land in the test's tmp_path for review."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.fixtures.browser import POPOVER
from tests.support.wait import wait_until
from tests.test_accessibility import axe_violations, describe
from tests.test_store_e2e import app_config as store_app_config  # noqa: F401 (the fake Stripe's settings)
from tests.test_store_e2e import entry, open_picker, open_store, shop  # noqa: F401 (shop is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.synapse]
USE = "Use in Cinny / FluffyChat / Nheko"


@pytest.fixture
def app_config(store_app_config):  # noqa: F811
    return {**store_app_config, "BOT_DELIVER_AFTER_COMMIT": False}


def other_clients(frame, slug: str, name: str):
    """Opens the pack's "Use in other clients" disclosure from the keyboard; returns the row."""
    row = entry(frame, slug)
    toggle = row.get_by_role("button", name=f"Use in other clients ({name})")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.focus()
    toggle.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    return row


def test_an_owned_pack_exports_from_the_store_tab_to_the_real_synapse(browser_page, widget_host, shop, runner,
                                                                      tmp_path):
    page = browser_page
    assert runner.invoke(args=["entitlements", "grant", shop.chatter.user_id, "gold-hex"]).exit_code == 0
    frame = open_picker(page, widget_host, shop)
    open_store(frame)
    row = other_clients(frame, "gold-hex", "Gold Hex")
    row.get_by_role("button", name=f"{USE} (Gold Hex)").press("Enter")
    result = row.locator(".export-result")
    wait_until(lambda: "Use globally" in (result.text_content() or ""), message="the export", page=page)
    link = result.get_by_role("link", name="open it in your Matrix client")
    assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener")
    room_url = link.get_attribute("href")
    assert room_url.startswith("https://matrix.to/#/!")
    room_id = room_url.split("#/")[1]
    shop.synapse.client(shop.chatter, "POST", f"/_matrix/client/v3/join/{quote(room_id)}", json={})
    images = shop.synapse.client(shop.chatter, "GET",
                                 f"/_matrix/client/v3/rooms/{quote(room_id)}/state/m.room.image_pack/gold-hex")["images"]
    assert sorted(image["url"] for image in images.values()) == sorted(s.mxc_uri for s in shop.gold)
    assert frame.evaluate("document.documentElement.scrollWidth") <= 300
    result.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "store-export-light.png"))

    # The picker re-renders the store (a refresh of the user's picker): the result stays in place.
    frame.evaluate("hexpackWidget.identity.refresh()")
    frame.locator("#store-button").wait_for()
    assert "Use globally" in entry(frame, "gold-hex").locator(".export-result").text_content()

    with page.expect_download() as download:
        entry(frame, "gold-hex").get_by_role("button", name="Download pack (.zip) (Gold Hex)").click()
    assert download.value.suggested_filename == "gold-hex.zip"


def test_only_packs_the_user_may_use_offer_it(browser_page, widget_host, shop):
    frame = open_picker(browser_page, widget_host, shop, openid="declined")
    open_store(frame)  # no identity: nothing to export
    assert frame.locator("#store .other-clients").count() == 0
    frame = open_picker(browser_page, widget_host, shop)
    open_store(frame)
    assert entry(frame, "gold-hex").locator(".other-clients").count() == 0  # paid, not bought
    assert entry(frame, "blobs").locator(".other-clients").count() == 1  # free, in the picker


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_without_a_bot_the_servers_message_shows(chromium, widget_host, shop, app, theme, tmp_path):
    app.config.update(MATRIX_ACCESS_TOKEN="")  # the operator has not set up the bot
    context = chromium.new_context(viewport=POPOVER, bypass_csp=True)  # bypass_csp: axe-core is injected
    context.set_default_timeout(15_000)
    page = context.new_page()
    frame = open_picker(page, widget_host, shop, theme=theme)
    open_store(frame)
    row = other_clients(frame, "blobs", "Blobs")
    row.get_by_role("button", name=f"{USE} (Blobs)").click()
    error = row.locator(".export-result.export-error")
    wait_until(lambda: "Could not export the pack" in (error.text_content() or ""), message="the error", page=page)
    assert "MATRIX_ACCESS_TOKEN" in error.text_content()
    assert error.get_attribute("role") == "status"
    assert frame.evaluate("document.documentElement.scrollWidth") <= 300
    error.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"store-export-error-{theme}.png"))
    violations = axe_violations(frame)
    assert violations == [], describe(violations)
    context.close()
