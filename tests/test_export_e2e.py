"""The export buttons in Chromium: /packs/<slug> for a signed-in owner (cookie + CSRF) against the real
Synapse, and the manager's error state. Screenshots land in the test's tmp_path for review."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from app.auth.tokens import issue_token
from tests.factories import grant, imported_pack, price, user
from tests.support.web import sign_in_web
from tests.support.wait import wait_until
from tests.test_accessibility import axe_violations, describe


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BOT_DELIVER_AFTER_COMMIT": False}


def browser_with_session(chromium, app, live_server, matrix_id: str, **context_options):
    """A Chromium context carrying the web session cookie of `matrix_id` (signed in as the link would)."""
    client = app.test_client()
    sign_in_web(client, matrix_id)
    cookie = client.get_cookie("session")
    context = chromium.new_context(**context_options)
    context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server.url}])
    return context


@pytest.mark.synapse
@pytest.mark.browser
def test_an_owner_exports_from_the_pack_page_and_is_told_the_one_step_left(app, chromium, live_server, synapse,
                                                                            tmp_path):
    bot = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=bot.access_token)
    buyer = synapse.register_user()
    pack = imported_pack(tmp_path / "blobs", "blobs", count=3, price=price(300))
    grant(user(buyer.user_id), pack, source="purchase")
    context = browser_with_session(chromium, app, live_server, buyer.user_id, viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/packs/blobs")

    page.get_by_role("button", name="Use in Cinny / FluffyChat / Nheko").click()
    result = page.locator(".export-result")
    wait_until(lambda: "Use globally" in (result.text_content() or ""), message="the export", page=page)
    link = result.get_by_role("link", name="open it in your Matrix client").get_attribute("href")
    assert link.startswith("https://matrix.to/#/!")
    room_id = link.split("#/")[1]
    synapse.client(buyer, "POST", f"/_matrix/client/v3/join/{quote(room_id)}", json={})
    assert len(synapse.client(buyer, "GET", f"/_matrix/client/v3/rooms/{quote(room_id)}/state/m.room.image_pack/blobs")
               ["images"]) == 3
    page.locator(".export-panel").screenshot(path=str(tmp_path / "pack-page-light.png"))

    with page.expect_download() as download:
        page.get_by_role("button", name="Download pack (.zip)").click()
    assert download.value.suggested_filename == "blobs.zip"
    context.close()


@pytest.mark.browser
def test_the_panel_is_only_for_owners_and_shows_errors(app, chromium, live_server, tmp_path):
    pack = imported_pack(tmp_path / "blobs", "blobs", count=2, price=price(300))
    anonymous = app.test_client().get("/packs/blobs").get_data(as_text=True)
    assert "Use in Cinny" not in anonymous and "In your picker" not in anonymous
    stranger = app.test_client()
    sign_in_web(stranger, "@bob:example.org")
    assert "Use in Cinny" not in stranger.get("/packs/blobs").get_data(as_text=True)  # signed in, not his
    grant(user("@alice:example.org"), pack, source="purchase")
    for scheme, width in (("light", 1000), ("dark", 1000), ("dark", 360)):
        context = browser_with_session(chromium, app, live_server, "@alice:example.org", color_scheme=scheme,
                                       viewport={"width": width, "height": 800}, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{live_server.url}/packs/blobs")
        assert "In your picker" in page.locator(".cta").text_content()
        page.get_by_role("button", name="Use in Cinny / FluffyChat / Nheko").click()
        error = page.locator(".export-result.export-error")
        wait_until(lambda: "Could not export the pack" in (error.text_content() or ""), message="the error", page=page)
        assert "MATRIX_HOMESERVER_URL" in error.text_content()  # this app has no bot
        page.screenshot(path=str(tmp_path / f"pack-page-error-{scheme}-{width}.png"), full_page=True)
        violations = axe_violations(page)  # axe-core, with the panel and its error showing
        assert violations == [], describe(violations)
        context.close()


@pytest.mark.browser
def test_the_manager_offers_export_and_download_per_pack(app, chromium, live_server, tmp_path):
    pack = imported_pack(tmp_path / "blobs", "blobs", count=2, price=price(300))
    alice = user("@alice:example.org")
    grant(alice, pack, source="purchase")
    token = issue_token(user=alice, kind="im")
    context = chromium.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/manager?scalar_token={quote(token)}")
    row = page.locator('li[data-slug="blobs"]')
    with page.expect_download() as download:
        row.get_by_role("button", name="Download pack (.zip) (Blobs)").click()
    assert download.value.suggested_filename == "blobs.zip"
    row.get_by_role("button", name="Use in Cinny / FluffyChat / Nheko (Blobs)").click()
    wait_until(lambda: "Could not export" in (row.locator(".export-result").text_content() or ""),
               message="the error", page=page)
    page.screenshot(path=str(tmp_path / "manager-360.png"), full_page=True)
    context.close()
