"""In Chromium: a creator chooses Get paid in the studio, finishes the fake Stripe's hosted onboarding
and comes back to /studio?payouts=1, which reads the account from Stripe (no event has reached us)
and shows it active with the Express dashboard link; after a sale, the Sales page shows it.
Screenshots (light, dark, 360 px) go to the test's tmp_path; axe checks the pages."""
from __future__ import annotations

import os

import pytest

from tests.payments.connect_flows import creator_sale
from tests.studio.test_studio_browser import check_axe, signed_in_context

pytestmark = pytest.mark.browser
ALICE = "@alice:example.org"
SHOTS = os.environ.get("HEXPACK_SHOTS")  # a folder to keep the screenshots in, when looking at them


def shoot(page, tmp_path, name):
    path = os.path.join(SHOTS or str(tmp_path), f"{name}.png")
    page.screenshot(path=path, full_page=True)


def test_get_paid_through_stripes_onboarding_then_sales(app, client, chromium, stripe_live, fake_stripe, alice, bob,
                                                        tmp_path):
    base = stripe_live.url
    context = signed_in_context(chromium, app, stripe_live, ALICE)
    page = context.new_page()
    page.goto(base + "/studio")
    section = page.locator("#get-paid")
    assert "Not set up" in section.inner_text()
    check_axe(page, "studio home, payouts not set up")
    shoot(page, tmp_path, "get-paid-none")
    page.get_by_role("button", name="Get paid").click()
    page.locator("#submit-onboarding").wait_for()
    assert page.url.startswith(fake_stripe.checkout_base)
    with page.expect_navigation():
        page.click("#submit-onboarding")
    assert page.url == base + "/studio?payouts=1"
    assert "Ready to be paid" in section.inner_text()
    dashboard = page.get_by_role("link", name="Stripe Express dashboard")
    assert dashboard.get_attribute("href").startswith(fake_stripe.checkout_base)
    assert dashboard.get_attribute("target") == "_blank"
    assert page.get_by_role("button", name="Continue setup").count() == 0
    check_axe(page, "studio home, payouts active")
    shoot(page, tmp_path, "get-paid-active")

    creator_sale(client, fake_stripe, alice, bob, slug="alices", price=500)
    page.get_by_role("link", name="Your sales").click()
    page.get_by_role("heading", name="Sales").wait_for()
    table = page.locator(".sales-table").inner_text()
    assert "Alices" in table or "alices" in table.lower()
    assert "$5.00" in table and "$0.75" in table and "$4.25" in table and "@bob" not in page.content()
    check_axe(page, "studio sales")
    shoot(page, tmp_path, "sales-light")
    for scheme, viewport, name in (("dark", {"width": 1200, "height": 900}, "dark"),
                                   ("light", {"width": 360, "height": 740}, "360")):
        other = signed_in_context(chromium, app, stripe_live, ALICE, viewport=viewport, scheme=scheme)
        view = other.new_page()
        for path, shot in (("/studio", "studio"), ("/studio/sales", "sales")):
            view.goto(base + path)
            width = view.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} scrolls sideways at {viewport['width']} px"
            shoot(view, tmp_path, f"{shot}-{name}")
        other.close()
    context.close()
