"""The packs screen in real Chromium: an admin signs in with a one-time link, hides a pack on
/admin/packs, and it leaves the store pages, the picker's store tab and the anonymous picker while
its owner keeps it in theirs. axe-core checks the screen, light and dark; screenshots at 360 px."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.library.services import add_to_picker
from app.signin.links import issue_link
from tests.admin.conftest import ROOT
from tests.factories import imported_pack, signed_in_user
from tests.test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser
PICKER = "/api/widgets/stickerpicker"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def shelf(app, tmp_path):
    """Two free packs (Cats, Dogs); Carol added Cats to her picker."""
    imported_pack(tmp_path / "cats", "cats", name="Cats", bodies=["Cat 1", "Cat 2"], size=(160, 160))
    imported_pack(tmp_path / "dogs", "dogs", name="Dogs", bodies=["Dog 1"], size=(160, 160), colour=(1, 2, 3))
    carol = signed_in_user("@carol:example.org", kind="im")
    add_to_picker(user=carol.user, slug="cats")
    return carol


def signed_in_admin(chromium, live_server, **options):
    """A browser context with an admin's web session, signed in by confirming a one-time link."""
    token = issue_link(ROOT)
    db.session.commit()
    context = chromium.new_context(viewport=DESKTOP, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/auth/matrix/{token}")
    page.get_by_role("button", name=f"Sign in as {ROOT}").click()
    page.wait_for_url(lambda url: "/auth/matrix/" not in url)
    return context, page


def picker_sections(page, url: str) -> list[str]:
    page.goto(url)
    return page.eval_on_selector_all("section.pack[data-pack]", "nodes => nodes.map(n => n.dataset.pack)")


def store_tab_packs(page, url: str) -> list[str]:
    page.goto(url)
    page.locator("#store-button").click()
    page.locator("#store li.item").first.wait_for()
    return page.eval_on_selector_all("#store li.item", "nodes => nodes.map(n => n.dataset.pack)")


def test_an_admin_hides_a_pack_and_only_its_owner_keeps_it(chromium, browser_page, live_server, shelf, tmp_path):
    anonymous, owner_url = live_server.url + PICKER, f"{live_server.url}{PICKER}?scalar_token={shelf.token}"
    assert picker_sections(browser_page, anonymous) == ["cats", "dogs"]  # cached before the change
    assert store_tab_packs(browser_page, anonymous) == ["cats", "dogs"]
    context, admin = signed_in_admin(chromium, live_server)
    try:
        admin.goto(live_server.url + "/admin/packs")
        row = admin.locator("#pack-cats")
        row.get_by_role("button", name="Hide Cats").click()
        admin.get_by_text("Cats is hidden: not listed; owners keep it in their pickers.").wait_for()
        assert admin.locator("#pack-cats .status-badge").inner_text() == "hidden"
        admin.screenshot(path=str(tmp_path / "admin-packs-after-hide.png"), full_page=True)
    finally:
        context.close()

    assert picker_sections(browser_page, anonymous) == ["dogs"]
    assert store_tab_packs(browser_page, anonymous) == ["dogs"]
    assert "_favourites" not in picker_sections(browser_page, owner_url)
    assert [slug for slug in picker_sections(browser_page, owner_url) if not slug.startswith("_")] == ["cats", "dogs"]
    browser_page.goto(live_server.url + "/packs")
    assert browser_page.locator("a[href='/packs/cats']").count() == 0
    assert browser_page.locator("a[href='/packs/dogs']").count() > 0


def test_delete_asks_first_and_a_refusal_says_hide_it_instead(chromium, live_server, shelf):
    context, admin = signed_in_admin(chromium, live_server)
    try:
        admin.goto(live_server.url + "/admin/packs")
        admin.locator("#pack-cats").get_by_role("link", name=re.compile("^Delete Cats")).click()
        admin.locator(".flash-error", has_text="hide it instead").wait_for()  # Carol owns it
        admin.get_by_role("button", name="Hide Cats").click()
        admin.get_by_text("Cats is hidden").wait_for()
        admin.locator("#pack-dogs").get_by_role("link", name=re.compile("^Delete Dogs")).click()
        admin.get_by_role("button", name="Delete Dogs").click()
        admin.locator(".flash-success", has_text="Deleted dogs").wait_for()
        assert admin.locator("#pack-dogs").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_packs_screen_passes_axe_and_fits_a_phone(chromium, live_server, shelf, scheme, tmp_path):
    context, admin = signed_in_admin(chromium, live_server, color_scheme=scheme)
    try:
        admin.goto(live_server.url + "/admin/packs")
        violations = axe_violations(admin)
        assert violations == [], describe(violations)
        admin.screenshot(path=str(tmp_path / f"admin-packs-{scheme}.png"), full_page=True)
        admin.set_viewport_size({"width": 360, "height": 740})
        wrap = admin.locator(".admin-table-wrap")
        assert admin.evaluate("document.documentElement.scrollWidth") <= 360  # only the table scrolls
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
        admin.keyboard.press("Tab")  # keyboard: the first control is reachable
        admin.screenshot(path=str(tmp_path / f"admin-packs-{scheme}-360.png"), full_page=True)
        admin.goto(live_server.url + "/admin/packs/cats/delete")
        admin.screenshot(path=str(tmp_path / f"admin-pack-delete-{scheme}-360.png"), full_page=True)
    finally:
        context.close()
