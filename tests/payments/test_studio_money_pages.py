"""The studio's Get paid section and Sales page, without a browser (the fake Stripe behind them)."""
from __future__ import annotations

from app.studio.rules import slug_base
from tests.payments.connect_flows import account_row, creator_sale, post_thin
from tests.support.web import sign_in_web

ALICE = "@alice:example.org"


def test_without_connect_the_studio_says_this_server_does_not_pay_creators(app, client):
    app.config["STRIPE_EVENTS_SECRET"] = ""
    token = sign_in_web(client, ALICE)
    home = client.get("/studio").get_data(as_text=True)
    assert 'data-payouts="disabled"' in home and "does not pay creators yet" in home
    assert 'id="get-paid-button"' not in home
    refused = client.post("/studio/payouts", data={"csrf_token": token}, follow_redirects=True)
    assert "Could not start Stripe&#39;s setup: This server does not pay creators" in refused.get_data(as_text=True)


def test_get_paid_starts_onboarding_and_the_return_reads_the_account(client, fake_stripe, alice):
    token = sign_in_web(client, ALICE)
    home = client.get("/studio").get_data(as_text=True)
    assert 'data-payouts="none"' in home and ">Get paid</button>" in home
    assert client.post("/studio/payouts", data={}).status_code == 400  # no CSRF token
    started = client.post("/studio/payouts", data={"csrf_token": token})
    assert started.status_code == 303 and started.headers["Location"].startswith(fake_stripe.checkout_base)
    account = fake_stripe.objects_of("v2.core.account")[0]
    assert account["id"] == account_row(alice).stripe_account_id
    pending = client.get("/studio").get_data(as_text=True)
    assert 'data-payouts="pending"' in pending and ">Continue setup</button>" in pending
    assert "Stripe still needs" in pending and "individual.first_name" in pending
    fake_stripe.activate_account(account["id"], deliver=False)  # Stripe knows; no event reached us
    assert 'data-payouts="pending"' in client.get("/studio").get_data(as_text=True)
    back = client.get("/studio?payouts=1").get_data(as_text=True)  # the return re-reads the account
    assert 'data-payouts="active"' in back and 'id="get-paid-button"' not in back
    assert f'id="payouts-dashboard" href="{fake_stripe.checkout_base}' in back


def test_an_unreachable_stripe_shows_the_stored_state_and_says_so(client, fake_stripe):
    token = sign_in_web(client, ALICE)
    client.post("/studio/payouts", data={"csrf_token": token})
    fake_stripe.fail_next(500, times=10, path=r"/v2/core/accounts/.*")
    page = client.get("/studio?payouts=1").get_data(as_text=True)
    assert 'data-payouts="pending"' in page and "Stripe could not be reached just now" in page


def test_a_restricted_account_says_action_needed_with_what_stripe_needs(client, fake_stripe, alice):
    token = sign_in_web(client, ALICE)
    client.post("/studio/payouts", data={"csrf_token": token})
    for event in fake_stripe.restrict_account(account_row(alice).stripe_account_id, deliver=False):
        assert post_thin(client, fake_stripe, event).status_code == 200
    page = client.get("/studio").get_data(as_text=True)
    assert 'data-payouts="restricted"' in page and "Action needed" in page
    assert "individual.verification.document" in page and ">Continue setup</button>" in page


def test_sales_page_is_empty_then_shows_the_ledger_without_buyers(client, fake_stripe, alice, bob):
    sign_in_web(client, ALICE)
    empty = client.get("/studio/sales")
    assert empty.status_code == 200 and "No sales yet" in empty.get_data(as_text=True)
    assert empty.headers["Cache-Control"] == "no-store"
    creator_sale(client, fake_stripe, alice, bob, slug="alices", price=1000)
    creator_sale(client, fake_stripe, alice, bob, slug="euros", price=800, currency="eur")
    page = client.get("/studio/sales").get_data(as_text=True)
    assert "No sales yet" not in page and "@bob" not in page
    assert "Total (USD)" in page and "Total (EUR)" in page
    assert "$10.00" in page and "$1.50" in page and "$8.50" in page  # gross, 15 % fee, net
    assert "€8.00" in page and 'href="/studio/alices"' in page


def test_sales_needs_sign_in(client):
    assert client.get("/studio/sales").headers["Location"].startswith("/signin?next=/studio/sales")


def test_studio_page_names_are_not_pack_slugs():
    assert [slug_base(name) for name in ("Sales", "Payouts", "Packs", "Salesy")] == \
        ["sales-pack", "payouts-pack", "packs-pack", "salesy"]


def test_get_paid_with_stripe_unreachable_comes_back_with_the_reason_and_creates_nothing(client, fake_stripe, alice):
    token = sign_in_web(client, ALICE)
    fake_stripe.fail_next(500, times=10, path=r"/v2/core/accounts")
    answer = client.post("/studio/payouts", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == "/studio#get-paid"
    page = client.get("/studio").get_data(as_text=True)
    assert "Could not start Stripe&#39;s setup: The payment service is unavailable right now" in page
    assert 'data-payouts="none"' in page and account_row(alice) is None
