"""In real Chromium: a buyer pays for Gold Hex through the fake Stripe and has it in their picker
(Element's host page, real Synapse OpenID); an admin finds the order in /admin/orders, refunds it with
a reason from the keyboard, and the pack leaves the buyer's picker. The pages fit 360 px, light and dark."""
from __future__ import annotations

import pytest

from app.admin.orders_services import refund_order
from tests.admin.conftest import ROOT
from tests.factories import signed_in_user
from tests.payments.flows import order
from tests.support.wait import wait_until
from tests.support.web import sign_in_web
from tests.test_store_e2e import open_picker, shop  # noqa: F401 (the shop fixture)

pytestmark = [pytest.mark.browser, pytest.mark.synapse]


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings()}


def admin_page(chromium, app, base_url: str, **context):
    """A page in a fresh browser context signed in as the admin (the session cookie a sign-in link gives)."""
    client = app.test_client()
    sign_in_web(client, ROOT)
    browser = chromium.new_context(**context)
    browser.set_default_timeout(15_000)
    browser.add_cookies([{"name": "session", "value": client.get_cookie("session").value, "url": base_url}])
    return browser.new_page()


def buy_gold_hex(client, fake_stripe, user_id: str) -> str:
    buyer = signed_in_user(user_id)
    started = client.post("/api/v1/checkout", json={"pack": "gold-hex"}, headers=buyer.headers).get_json()
    session = next(s for s in fake_stripe.sessions() if s["client_reference_id"] == started["order_id"])
    fake_stripe.pay(session["id"])  # the fake sends the signed webhook to the live app
    assert fake_stripe.wait_for_delivery("checkout.session.completed") == [200]
    return started["order_id"]


def test_admin_refunds_an_order_and_the_pack_leaves_the_buyers_picker(chromium, browser_page, widget_host, shop,
                                                                      fake_stripe, client, app):
    public_id = buy_gold_hex(client, fake_stripe, shop.chatter.user_id)
    picker = browser_page
    frame = open_picker(picker, widget_host, shop)
    frame.locator("#pack-gold-hex button.s").first.wait_for()

    admin = admin_page(chromium, app, shop.live.url, viewport={"width": 1024, "height": 800})
    admin.goto(shop.live.url + "/admin/orders?pack=gold-hex")
    admin.get_by_role("link", name=public_id).click()
    admin.wait_for_url(f"{shop.live.url}/admin/orders/{public_id}")
    assert order(public_id).payment_intent_id in admin.inner_text("main")
    # From the keyboard: the reason, the confirmation box, the button.
    admin.get_by_label("Reason").focus()
    admin.keyboard.type("Bought by mistake")
    admin.keyboard.press("Tab")
    admin.keyboard.press("Space")
    admin.keyboard.press("Tab")
    assert admin.evaluate("document.activeElement.textContent") == "Refund $0.50"
    admin.keyboard.press("Enter")
    admin.locator(".flash-success", has_text="Refunded through Stripe").wait_for()
    assert "“Bought by mistake”" in admin.inner_text("main")
    assert "This order is already refunded." in admin.inner_text("main")
    assert fake_stripe.wait_for_delivery("charge.refunded") == [200]  # Stripe's webhook then changes nothing
    assert len(fake_stripe.objects_of("refund")) == 1 and order(public_id).status == "refunded"

    # Element shows the popover again: the pack is gone from the buyer's picker.
    picker.evaluate("hexpackHost.send('visibility', {visible: false})")
    picker.evaluate("hexpackHost.send('visibility', {visible: true})")
    wait_until(lambda: frame.locator("#pack-gold-hex").count() == 0, message="Gold Hex to leave the picker",
               page=picker)
    frame.locator("#pack-blobs").wait_for()  # the free pack stays
    admin.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_orders_pages_fit_a_phone_and_pass_axe(chromium, app, client, fake_stripe, stripe_live, scheme, width,
                                               tmp_path):
    from tests.admin.orders_support import hexes, paid_order
    from tests.test_accessibility import axe_violations, describe

    hexes()
    buyer = signed_in_user("@alice-with-a-rather-long-name:example.org")
    paid = paid_order(client, fake_stripe, buyer)
    refund_order(paid, reason="A long reason that has to wrap on a phone, " * 5, actor=ROOT)
    public_id = paid_order(client, fake_stripe, signed_in_user("@bob:example.org"))
    page = admin_page(chromium, app, stripe_live.url, viewport={"width": width, "height": 740}, color_scheme=scheme,
                      bypass_csp=True)  # for axe's script only
    paths = ("/admin", "/admin/orders", f"/admin/orders/{public_id}", f"/admin/orders/{paid}",
             "/admin/orders?user=@nobody:x.org", "/admin/orders?from=soon")
    for index, path in enumerate(paths):
        page.goto(stripe_live.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        page.screenshot(path=str(tmp_path / f"{index}-{scheme}-{width}.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], f"{path} ({scheme}, {width}px):\n{describe(violations)}"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == {"light": "rgb(255, 255, 255)", "dark": "rgb(21, 25, 30)"}[scheme]
    page.context.close()
