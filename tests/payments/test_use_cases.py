"""Fulfilment without HTTP: the domain's apply_* functions and the use cases, called directly in an app
context, against the fake Stripe where they call Stripe."""
import dataclasses

import pytest
from sqlalchemy import func, select

from app.exceptions import NotFound, UpstreamError
from app.extensions import db
from app.models import Order, StripeEvent
from app.packs.entitlements import grant, revoke
from app.payments.checkout import fulfill_checkout, start_checkout
from app.payments.orders import apply_charge, apply_dispute, apply_session, refund_due
from app.payments.refunds import settle_due_refunds, settle_refund
from app.payments.states import FulfilmentOutcome, OrderStatus
from app.payments.stripe_data import ChargeInfo, DisputeInfo, SessionInfo
from app.payments.webhooks import handle_webhook
from app.transactions import transaction
from tests.payments.flows import active_entitlements, completed_event, entitlements, order

SUCCESS_URL = "http://127.0.0.1/checkout/success?session_id={CHECKOUT_SESSION_ID}"


def checkout(buyer, slug: str = "hexes") -> Order:
    return start_checkout(user=buyer.user, slug=slug, success_url=SUCCESS_URL, cancel_url="http://127.0.0.1/c")


def paid_session_info(started: Order, **changes) -> SessionInfo:
    """What the gateway returns for `started`'s Session once paid by card (no Stripe involved)."""
    charge = ChargeInfo(id="ch_1", payment_intent_id="pi_1", amount=started.amount, amount_refunded=0,
                        refunded=False, currency=started.currency, receipt_url="https://pay.example/r/ch_1")
    session = SessionInfo(
        id=started.checkout_session_id, status="complete", payment_status="paid",
        client_reference_id=started.public_id, amount_subtotal=started.amount, amount_total=started.amount,
        amount_discount=0, currency=started.currency, metadata={"order": started.public_id},
        payment_intent_id="pi_1", charge=charge, line_items=1)
    return dataclasses.replace(session, **changes)


# --- the domain: no commit, no Stripe ---

def test_apply_session_grants_and_leaves_the_commit_to_the_caller(fake_stripe, alice, paid_pack):
    started = checkout(alice)
    result = apply_session(paid_session_info(started))
    assert result.outcome == FulfilmentOutcome.GRANTED and result.order.status == OrderStatus.PAID
    assert (result.order.payment_intent_id, result.order.charge_id) == ("pi_1", "ch_1")
    db.session.rollback()  # the caller's transaction fails: nothing of it stays
    assert order(started.public_id).status == "pending" and entitlements(alice.user) == []

    with transaction():
        apply_session(paid_session_info(started))
    assert order(started.public_id).status == "paid" and len(active_entitlements(alice.user)) == 1
    with transaction():  # a second reading of the same Session changes nothing
        assert apply_session(paid_session_info(started)).outcome == FulfilmentOutcome.ALREADY


@pytest.mark.parametrize("changes", [{"amount_total": 1}, {"currency": "eur"}, {"line_items": 2},
                                     {"metadata": {"order": "ord_other"}}])
def test_apply_session_refuses_a_session_that_does_not_match_its_order(fake_stripe, alice, paid_pack, changes):
    started = checkout(alice)
    with transaction():
        assert apply_session(paid_session_info(started, **changes)).outcome == FulfilmentOutcome.REFUSED
    assert order(started.public_id).status == "pending" and entitlements(alice.user) == []


def test_apply_session_marks_a_payment_for_a_pack_already_held_as_a_duplicate(fake_stripe, alice, paid_pack):
    started = checkout(alice)
    with transaction():
        grant(user_id=alice.user.id, pack_id=paid_pack.id, source="grant")
    with transaction():
        result = apply_session(paid_session_info(started))
    assert result.outcome == FulfilmentOutcome.DUPLICATE_PAYMENT
    stored = order(started.public_id)
    assert (stored.status, stored.refund_reason) == ("paid", "duplicate") and refund_due(stored)
    [held] = entitlements(alice.user)
    assert (held.source, held.order_id) == ("grant", None)


def test_a_won_dispute_does_not_undo_an_operators_revocation(fake_stripe, alice, paid_pack):
    started = checkout(alice)
    with transaction():
        apply_session(paid_session_info(started))
        revoke(user_id=alice.user.id, pack_id=paid_pack.id, reason="operator")
    dispute = DisputeInfo(id="dp_1", status="needs_response", charge_id="ch_1", payment_intent_id="pi_1", amount=500)
    with transaction():
        apply_dispute(dispute, order(started.public_id))
    assert order(started.public_id).status == "disputed"
    with transaction():
        won = apply_dispute(dataclasses.replace(dispute, status="won"), order(started.public_id))
    assert won.outcome == FulfilmentOutcome.PAID and order(started.public_id).status == "paid"
    assert active_entitlements(alice.user) == [] and entitlements(alice.user)[0].revoke_reason == "operator"


def test_a_dispute_revokes_and_its_win_restores(fake_stripe, alice, paid_pack):
    started = checkout(alice)
    with transaction():
        apply_session(paid_session_info(started))
    dispute = DisputeInfo(id="dp_1", status="needs_response", charge_id="ch_1", payment_intent_id="pi_1", amount=500)
    for expected in (FulfilmentOutcome.REVOKED, FulfilmentOutcome.ALREADY):
        with transaction():
            assert apply_dispute(dispute, order(started.public_id)).outcome == expected
    assert active_entitlements(alice.user) == []
    for expected in (FulfilmentOutcome.RESTORED, FulfilmentOutcome.ALREADY):
        with transaction():
            assert apply_dispute(dataclasses.replace(dispute, status="won"), order(started.public_id)).outcome \
                == expected
    assert order(started.public_id).status == "paid" and len(active_entitlements(alice.user)) == 1


def test_apply_charge_records_partial_refunds_and_releases_on_a_full_one(fake_stripe, alice, paid_pack):
    started = checkout(alice)
    with transaction():
        apply_session(paid_session_info(started))
    charge = paid_session_info(started).charge
    with transaction():
        partial = apply_charge(dataclasses.replace(charge, amount_refunded=200), order(started.public_id))
    assert partial.outcome == FulfilmentOutcome.PARTIALLY_REFUNDED
    assert (order(started.public_id).status, order(started.public_id).amount_refunded) == ("paid", 200)
    full = dataclasses.replace(charge, amount_refunded=500, refunded=True)
    for _ in range(2):
        with transaction():
            assert apply_charge(full, order(started.public_id)).outcome == FulfilmentOutcome.REFUNDED
    assert order(started.public_id).status == "refunded" and active_entitlements(alice.user) == []
    assert apply_charge(full, None).outcome == FulfilmentOutcome.UNKNOWN


# --- the use cases: they commit and call (the fake) Stripe ---

def test_fulfill_checkout_reads_the_session_from_stripe_once_paid(fake_stripe, alice, paid_pack):
    started = checkout(alice)
    assert fulfill_checkout(session_id=started.checkout_session_id).outcome == FulfilmentOutcome.NOT_PAID
    fake_stripe.pay(started.checkout_session_id, deliver=False)
    assert fulfill_checkout(session_id=started.checkout_session_id).outcome == FulfilmentOutcome.GRANTED
    assert order(started.public_id).status == "paid" and len(active_entitlements(alice.user)) == 1
    reads = len(fake_stripe.requests)
    assert fulfill_checkout(session_id=started.checkout_session_id).outcome == FulfilmentOutcome.ALREADY
    assert len(fake_stripe.requests) == reads  # on record: answered from the database
    with pytest.raises(NotFound):
        fulfill_checkout(session_id="cs_test_not_ours")


def test_settle_refund_refunds_a_duplicate_once(fake_stripe, alice, paid_pack):
    started = checkout(alice)
    with transaction():
        grant(user_id=alice.user.id, pack_id=paid_pack.id, source="grant")
    fake_stripe.pay(started.checkout_session_id, deliver=False)
    fake_stripe.fail_next(500, times=3, path="/v1/refunds")
    assert fulfill_checkout(session_id=started.checkout_session_id).outcome == FulfilmentOutcome.DUPLICATE_PAYMENT
    assert refund_due(order(started.public_id))  # Stripe was down: the refund is still due

    assert settle_refund(started.public_id).outcome == FulfilmentOutcome.DUPLICATE_REFUNDED
    assert settle_refund(started.public_id).outcome == FulfilmentOutcome.ALREADY
    stored = order(started.public_id)
    assert (stored.status, stored.refund_reason, stored.amount_refunded) == ("refunded", "duplicate", 500)
    [refund] = fake_stripe.objects_of("refund")
    assert refund["amount"] == 500
    keys = {r["headers"]["Idempotency-Key"] for r in fake_stripe.requests_to("POST", "/v1/refunds")}
    assert keys == {f"refund-duplicate-{started.public_id}"}
    assert [e.source for e in active_entitlements(alice.user)] == ["grant"]


def test_settle_due_refunds_raises_only_for_its_own_order(fake_stripe, alice, bob, paid_pack):
    fake_stripe.fail_next(500, times=30, path="/v1/refunds")  # Stripe cannot refund for a while
    due = []
    for buyer in (alice, bob):
        started = checkout(buyer)
        with transaction():
            grant(user_id=buyer.user.id, pack_id=paid_pack.id, source="grant")
        fake_stripe.pay(started.checkout_session_id, deliver=False)
        assert fulfill_checkout(session_id=started.checkout_session_id).outcome \
            == FulfilmentOutcome.DUPLICATE_PAYMENT
        due.append(started.public_id)
    assert settle_due_refunds() == []  # none is the caller's own: logged, left due
    with pytest.raises(UpstreamError):
        settle_due_refunds(own=due[1])
    assert all(refund_due(order(public_id)) for public_id in due)
    assert fake_stripe.objects_of("refund") == []


def test_handle_webhook_records_the_event_with_its_effects(fake_stripe, alice, paid_pack):
    started = checkout(alice)
    body, headers = fake_stripe.webhook_request(
        completed_event(fake_stripe.pay(started.checkout_session_id, deliver=False)))
    assert handle_webhook(payload=body, signature=headers["Stripe-Signature"]) == FulfilmentOutcome.GRANTED
    assert handle_webhook(payload=body, signature=headers["Stripe-Signature"]) == FulfilmentOutcome.DUPLICATE_EVENT
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
    assert order(started.public_id).status == "paid" and len(active_entitlements(alice.user)) == 1
