"""In Chromium over real HTTP: a creator onboards on the fake's hosted onboarding page (its thin
events reach /stripe/events by themselves), then a buyer pays the creator's pack on the fake's
hosted Checkout, and the sale shows in the creator's ledger."""
from __future__ import annotations

import pytest
import requests

from tests.factories import pack_row
from tests.payments.flows import order
from tests.support.wait import wait_until
from tests.support.web import sign_in_web

pytestmark = pytest.mark.browser


@pytest.fixture
def connect_live(fake_stripe, stripe_live):
    fake_stripe.thin_url = stripe_live.url + "/stripe/events"
    fake_stripe.connect_url = stripe_live.url + "/stripe/connect-webhook"
    return stripe_live


def test_creator_onboards_and_a_buyer_pays_through_the_hosted_pages(app, connect_live, browser_page, fake_stripe,
                                                                      alice, bob):
    base, page = connect_live.url, browser_page
    web = app.test_client()  # the creator's browser is signed in: the return lands on the studio
    sign_in_web(web, alice.matrix_id)
    page.context.add_cookies([{"name": "session", "value": web.get_cookie("session").value, "url": base}])
    pack_row("alices", price=500, creator_id=alice.user.id)
    refused = requests.post(base + "/api/v1/checkout", json={"pack": "alices"}, headers=bob.headers, timeout=10)
    assert refused.status_code == 409
    started = requests.post(base + "/api/v1/studio/payouts/onboarding", headers=alice.headers, timeout=10)
    page.goto(started.json()["url"])
    with page.expect_navigation():
        page.click("#submit-onboarding")
    assert page.url.startswith(base + "/studio?payouts=1")

    def status():
        return requests.get(base + "/api/v1/studio/payouts?refresh=0", headers=alice.headers, timeout=10).json()
    wait_until(lambda: status()["status"] == "active", message="the thin events to activate the account")
    assert status()["dashboard_url"].startswith(fake_stripe.checkout_base)
    checkout = requests.post(base + "/api/v1/checkout", json={"pack": "alices"}, headers=bob.headers, timeout=10)
    assert checkout.status_code == 200, checkout.text
    page.goto(checkout.json()["checkout_url"])
    with page.expect_navigation():
        page.click("#pay")
    assert "/checkout/success" in page.url
    sale = wait_until(lambda: order(checkout.json()["order_id"]) if order(checkout.json()["order_id"]).transfer_id
                      else None, message="the order to record its transfer")
    assert (sale.status, sale.application_fee_amount) == ("paid", 75)
    rows = requests.get(base + "/api/v1/studio/sales", headers=alice.headers, timeout=10).json()["rows"]
    assert [(row["gross"], row["fee"], row["net"]) for row in rows] == [(500, 75, 425)]
