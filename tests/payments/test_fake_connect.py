"""The fake's Connect half against the real stripe library: v2 accounts and links, thin events signed
as Stripe signs them, destination charges, transfers and reversals, application fees, login links."""
import time

import pytest
import requests
import stripe

from devtools.fake_stripe_shapes import CAPABILITY_EVENT, REQUIREMENTS_EVENT

ACCOUNT_PARAMS = {
    "contact_email": "alice@example.org", "display_name": "Alice", "dashboard": "express",
    "identity": {"country": "us", "entity_type": "individual"},
    "configuration": {"recipient": {"capabilities": {"stripe_balance": {"stripe_transfers": {"requested": True}}}}},
    "defaults": {"currency": "usd", "responsibilities": {"fees_collector": "application",
                                                          "losses_collector": "application"}},
    "metadata": {"matrix_user_id": "@alice:example.org"}, "include": ["configuration.recipient", "requirements"],
}


@pytest.fixture
def client(fake_stripe):
    return stripe.StripeClient("sk_test_connect", base_addresses={"api": fake_stripe.api_base},
                               stripe_version="2026-10-28.endive")


def _transfers(account) -> dict:
    return account["configuration"]["recipient"]["capabilities"]["stripe_balance"]["stripe_transfers"]


def _account(client) -> dict:
    return client.v2.core.accounts.create(params=ACCOUNT_PARAMS, options={"idempotency_key": "acct-1"}).to_dict()


def _link(client, account_id) -> dict:
    return client.v2.core.account_links.create(params={"account": account_id, "use_case": {
        "type": "account_onboarding", "account_onboarding": {
            "configurations": ["recipient"], "refresh_url": "http://127.0.0.1:9/refresh",
            "return_url": "http://127.0.0.1:9/studio"}}}).to_dict()


def test_v2_account_is_created_once_as_json_and_read_with_include(client, fake_stripe):
    account = _account(client)
    assert client.v2.core.accounts.create(params=ACCOUNT_PARAMS,
                                          options={"idempotency_key": "acct-1"}).id == account["id"]
    assert len(fake_stripe.objects_of("v2.core.account")) == 1
    sent = fake_stripe.requests_to("POST", "/v2/core/accounts")[0]
    assert sent["headers"]["Content-Type"] == "application/json" and sent["params"] == ACCOUNT_PARAMS
    assert account["object"] == "v2.core.account" and account["dashboard"] == "express"
    assert _transfers(account)["status"] == "pending"
    assert [e["description"] for e in account["requirements"]["entries"]]
    bare = client.v2.core.accounts.retrieve(account["id"]).to_dict()
    assert bare["configuration"] is None and bare["requirements"] is None
    assert bare["metadata"] == {"matrix_user_id": "@alice:example.org"}
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v2.core.accounts.retrieve("acct_missing")
    assert missing.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError):
        client.v2.core.accounts.create(params={**ACCOUNT_PARAMS, "dashboard": "lavish"})


def test_hosted_onboarding_activates_and_sends_signed_thin_events(client, fake_stripe):
    account = _account(client)
    link = _link(client, account["id"])
    assert link["object"] == "v2.core.account_link" and isinstance(link["expires_at"], str)
    page = requests.get(link["url"], timeout=5)
    assert page.status_code == 200 and "submit-onboarding" in page.text
    done = requests.post(link["url"], allow_redirects=False, timeout=5)
    assert done.headers["Location"] == "http://127.0.0.1:9/studio"
    again = requests.post(link["url"], allow_redirects=False, timeout=5)  # links are single-use
    assert again.headers["Location"] == "http://127.0.0.1:9/refresh"
    thin = [e for e in fake_stripe.objects_of("v2.core.event")]
    assert [e["type"] for e in thin] == [CAPABILITY_EVENT, REQUIREMENTS_EVENT]
    body, headers = fake_stripe.thin_request(thin[0])
    notification = client.parse_event_notification(body, headers["Stripe-Signature"], fake_stripe.events_secret)
    assert notification.type == CAPABILITY_EVENT and notification.related_object.id == account["id"]
    assert notification.fetch_event().id == thin[0]["id"]
    read = client.v2.core.accounts.retrieve(account["id"], params={"include": ["configuration.recipient"]})
    assert _transfers(read.to_dict())["status"] == "active"
    with pytest.raises(stripe.SignatureVerificationError):
        client.parse_event_notification(body, headers["Stripe-Signature"], fake_stripe.webhook_secret)
    wrong = fake_stripe.thin_request(thin[0], secret=fake_stripe.connect_secret)[1]["Stripe-Signature"]
    with pytest.raises(stripe.SignatureVerificationError):
        client.parse_event_notification(body, wrong, fake_stripe.events_secret)


def _destination_session(client, fake_stripe, destination, fee, amount=1000, currency="usd"):
    return client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://127.0.0.1:9/s", "expires_at": int(time.time()) + 3600,
        "line_items": [{"quantity": 1, "price_data": {"currency": currency, "unit_amount": amount,
                                                      "product_data": {"name": "Hexes"}}}],
        "payment_intent_data": {"application_fee_amount": fee, "transfer_data": {"destination": destination}}})


def test_destination_charge_transfer_fee_and_refund_flags(client, fake_stripe):
    account = _account(client)
    with pytest.raises(stripe.InvalidRequestError) as inactive:
        _destination_session(client, fake_stripe, account["id"], 150)
    assert inactive.value.code == "insufficient_capabilities_for_transfer"
    fake_stripe.activate_account(account["id"], deliver=False)
    session = _destination_session(client, fake_stripe, account["id"], 150)
    fake_stripe.pay(session.id, deliver=False)
    charge = fake_stripe.get(fake_stripe.get(fake_stripe.get(session.id)["payment_intent"])["latest_charge"])
    transfer = client.v1.transfers.retrieve(charge["transfer"])
    assert (transfer.amount, transfer.destination, charge["application_fee_amount"]) == (850, account["id"], 150)
    fee = client.v1.application_fees.retrieve(charge["application_fee"])
    assert (fee.amount, fee.account, fee.charge) == (150, account["id"], charge["id"])
    client.v1.refunds.create(params={"charge": charge["id"], "amount": 400, "reverse_transfer": True,
                                     "refund_application_fee": True})
    assert client.v1.transfers.retrieve(transfer.id).amount_reversed == 340
    assert client.v1.application_fees.retrieve(fee.id).amount_refunded == 60
    client.v1.refunds.create(params={"charge": charge["id"], "amount": 100})  # goodwill: neither flag
    assert client.v1.transfers.retrieve(transfer.id).amount_reversed == 340
    client.v1.refunds.create(params={"charge": charge["id"], "reverse_transfer": True, "refund_application_fee": True})
    assert client.v1.transfers.retrieve(transfer.id).reversed is True
    assert client.v1.application_fees.retrieve(fee.id).refunded is True
    listed = client.v1.application_fees.list(params={"charge": charge["id"]})
    assert [f.id for f in listed.data] == [fee.id]


def test_transfers_reversals_lists_login_links_and_payout_failed(client, fake_stripe):
    account = _account(client)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create(params={"amount": 100, "currency": "usd", "destination": account["id"]})
    fake_stripe.activate_account(account["id"], deliver=False)
    transfer = client.v1.transfers.create(params={"amount": 300, "currency": "usd", "destination": account["id"]},
                                          options={"idempotency_key": "t-1"})
    reversal = client.v1.transfers.reversals.create(transfer.id, params={"amount": 200},
                                                    options={"idempotency_key": "r-1"})
    assert client.v1.transfers.reversals.create(transfer.id, params={"amount": 200},
                                                options={"idempotency_key": "r-1"}).id == reversal.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, params={"amount": 200})
    listed = client.v1.transfers.list(params={"destination": account["id"], "limit": 100})
    assert [t.id for t in listed.data] == [transfer.id] and listed.data[0].amount_reversed == 200
    link = client.v1.accounts.login_links.create(account["id"])
    assert link.object == "login_link" and requests.get(link.url, timeout=5).status_code == 200
    event = fake_stripe.fail_payout(account["id"], deliver=False)
    assert event["account"] == account["id"] and event["data"]["object"]["status"] == "failed"
