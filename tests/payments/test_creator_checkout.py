"""Selling a creator's pack: a destination charge with the platform fee, only while the creator's
transfers capability is active; the transfer and fee are stored on the order when it is paid."""
import pytest

from app.payments.payouts import platform_fee
from tests.factories import pack_row
from tests.payments.connect_flows import onboard, start_onboarding
from tests.payments.flows import completed_event, order, paid_session, post_event, start_checkout


@pytest.mark.parametrize("amount, bps, minimum, fee", [
    (1000, 1500, 0, 150), (333, 1500, 0, 50), (10, 1500, 0, 2), (3, 1500, 0, 0), (999, 1500, 0, 150),
    (1010, 1500, 0, 152), (300, 1500, 100, 100), (50, 1500, 100, 50), (1000, 0, 0, 0), (7, 10000, 0, 7),
])
def test_platform_fee_rounds_half_up_in_minor_units(amount, bps, minimum, fee):
    assert platform_fee(amount, bps=bps, minimum=minimum) == fee


def _intent_data(fake, order_id) -> dict:
    sent = [r for r in fake.requests_to("POST", "/v1/checkout/sessions") if r["params"]["client_reference_id"] == order_id]
    return sent[-1]["params"]["payment_intent_data"]


def test_pending_creators_pack_is_not_for_sale(client, fake_stripe, alice, bob):
    pack_row("alices", price=500, creator_id=alice.user.id)
    start_onboarding(client, alice)
    refused = client.post("/api/v1/checkout", json={"pack": "alices"}, headers=bob.headers)
    assert refused.status_code == 409 and refused.get_json()["errcode"] == "ORG.HEXPACK.CREATOR_NOT_PAYABLE"
    assert fake_stripe.sessions() == []
    listed = {p["slug"]: p for p in client.get("/api/v1/store").get_json()["packs"]}
    assert listed["alices"]["for_sale"] is False
    assert "Not for sale right now" in client.get("/packs/alices").get_data(as_text=True)
    assert "Not for sale right now" in client.get("/packs").get_data(as_text=True)


def test_never_onboarded_creator_is_not_for_sale_either(client, fake_stripe, alice, bob):
    pack_row("alices", price=500, creator_id=alice.user.id)
    assert client.post("/api/v1/checkout", json={"pack": "alices"}, headers=bob.headers).status_code == 409


@pytest.mark.parametrize("price, currency, fee", [(333, "usd", 50), (999, "jpy", 150), (1010, "jpy", 152)])
def test_checkout_is_a_destination_charge_with_the_fee(client, fake_stripe, alice, bob, price, currency, fee):
    pack_row("alices", price=price, currency=currency, creator_id=alice.user.id)
    account_id = onboard(client, fake_stripe, alice)
    assert {p["slug"]: p for p in client.get("/api/v1/store").get_json()["packs"]}["alices"]["for_sale"] is True
    started = start_checkout(client, bob, "alices")
    assert _intent_data(fake_stripe, started["order_id"]) == {
        "metadata": {"order": started["order_id"], "pack": "alices", "matrix_user_id": "@bob:example.org"},
        "transfer_data": {"destination": account_id}, "application_fee_amount": str(fee)}
    session = next(s for s in fake_stripe.sessions() if s["client_reference_id"] == started["order_id"])
    events = fake_stripe.pay(session["id"], deliver=False)
    assert post_event(client, fake_stripe, completed_event(events)).status_code == 200
    paid = order(started["order_id"])
    assert paid.status == "paid" and paid.destination == account_id
    transfer = fake_stripe.get(paid.transfer_id)
    assert (transfer["amount"], transfer["destination"]) == (price - fee, account_id)
    assert paid.application_fee_amount == fee and fake_stripe.get(paid.application_fee_id)["amount"] == fee


def test_operator_packs_stay_plain_charges(client, fake_stripe, bob, paid_pack):
    session, events = paid_session(client, fake_stripe, bob)
    assert "transfer_data" not in _intent_data(fake_stripe, session["client_reference_id"])
    post_event(client, fake_stripe, completed_event(events))
    paid = order(session["client_reference_id"])
    assert paid.status == "paid" and paid.transfer_id is None and paid.destination is None


def test_fee_minimum_applies(app, client, fake_stripe, alice, bob):
    app.config["PLATFORM_FEE_MIN"] = 100
    pack_row("alices", price=300, creator_id=alice.user.id)
    onboard(client, fake_stripe, alice)
    started = start_checkout(client, bob, "alices")
    assert _intent_data(fake_stripe, started["order_id"])["application_fee_amount"] == "100"
