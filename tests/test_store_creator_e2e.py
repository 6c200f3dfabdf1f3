"""The picker's store tab in Chromium with creators' packs: a paid pack whose creator cannot be paid
yet says "Not for sale right now" (payments are on), one whose creator can be paid sells, and every
pack has a Report link to its page's report section, opened in a new tab. Screenshots, light and dark,
go to the test's tmp_path (or HEXPACK_SHOTS)."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Pack
from tests.factories import imported_pack, price, signed_in_user
from tests.payments.connect_flows import onboard

pytestmark = pytest.mark.browser
PICKER = "/api/widgets/stickerpicker?theme={theme}"


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings()}


@pytest.fixture
def creators_packs(app, client, runner, fake_stripe, tmp_path):
    """Blobs (free), Paused Hex (creator not onboarded) and Paid Hex (creator active), $0.50 each."""
    paused, active = signed_in_user("@paused:example.org"), signed_in_user("@active:example.org")
    imported_pack(tmp_path / "blobs", "blobs", name="Blobs", runner=runner, bodies=["Blob"], size=(160, 160))
    for slug, creator in (("paused-hex", paused), ("paid-hex", active)):
        imported_pack(tmp_path / slug, slug, name=slug.replace("-", " ").title(), price=price(50), runner=runner,
                      bodies=[f"{slug} 1"], size=(160, 160))
        db.session.scalar(select(Pack).where(Pack.slug == slug)).creator_id = creator.user.id
    db.session.commit()
    onboard(client, fake_stripe, active)


def entry(page, slug):
    return page.locator(f'#store li[data-pack="{slug}"]')


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_paused_creator_packs_and_report_links_in_the_store_tab(chromium, live_server, creators_packs, theme,
                                                                 tmp_path):
    context = chromium.new_context(viewport={"width": 300, "height": 420}, color_scheme=theme)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + PICKER.format(theme=theme))
    page.locator("#store-button").click()
    entry(page, "paid-hex").wait_for()
    assert entry(page, "paused-hex").locator(".badge").inner_text() == "Not for sale right now"
    assert entry(page, "paused-hex").locator("button").count() == 0
    assert entry(page, "paid-hex").locator("button.act").inner_text() == "Buy $0.50"
    for slug in ("blobs", "paused-hex", "paid-hex"):
        report = entry(page, slug).get_by_role("link", name="Report")
        assert report.get_attribute("href") == f"/packs/{slug}#report"
        assert report.get_attribute("target") == "_blank"
    assert page.evaluate("document.documentElement.scrollWidth") <= 300
    page.screenshot(path=os.path.join(os.environ.get("HEXPACK_SHOTS") or str(tmp_path), f"store-tab-{theme}.png"))
    with context.expect_page() as new_tab:
        entry(page, "paused-hex").get_by_role("link", name="Report").click()
    pack_page = new_tab.value
    pack_page.wait_for_load_state()
    assert pack_page.url == live_server.url + "/packs/paused-hex#report"
    report_section = pack_page.locator("#report")
    assert report_section.get_by_role("link", name="Report this pack").is_visible()
    assert "Not for sale right now" in pack_page.content()
    context.close()
