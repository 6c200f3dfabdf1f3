"""Stripe-driven changes are in the audit log once, as `stripe`'s, with the event that made them."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import AuditEvent
from tests.payments.flows import completed_event, entitlements, event_rows, order, paid_session, post_event


def lines(**where) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)))


@pytest.fixture
def paid(client, fake_stripe, alice, paid_pack):
    """alice paid on the fake; the completion delivered once by the test."""
    fake_stripe.auto_deliver = False
    session, events = paid_session(client, fake_stripe, alice)
    completion = completed_event(events)
    assert post_event(client, fake_stripe, completion).get_json()["outcome"] == "granted"
    return session, completion


def test_a_completion_is_recorded_once_even_when_delivered_again(client, fake_stripe, alice, paid):
    session, completion = paid
    assert post_event(client, fake_stripe, completion).get_json()["outcome"] == "duplicate"
    [line] = lines()
    assert (line.actor, line.action, line.target) == ("stripe", "order.paid", f"order:{session['client_reference_id']}")
    assert line.details["stripe_event"] == completion["id"]
    assert line.details["stripe_event_type"] == "checkout.session.completed"
    assert (line.details["entitlement"], line.details["status"]) == ("granted", "paid")
    assert (line.details["user"], line.details["pack"]) == (alice.matrix_id, "hexes")


def test_the_success_page_records_the_payment_once_and_the_webhook_after_it_nothing(client, fake_stripe, alice,
                                                                                     paid_pack):
    fake_stripe.auto_deliver = False
    session, events = paid_session(client, fake_stripe, alice)
    for _ in range(2):
        assert client.get(f"/checkout/success?session_id={session['id']}").status_code == 200
    assert post_event(client, fake_stripe, completed_event(events)).get_json()["outcome"] == "already"
    [line] = lines()
    assert (line.actor, line.action, line.details["checkout_session"]) == ("stripe", "order.paid", session["id"])


def test_a_refund_is_recorded_once_across_partial_and_full_refund_events(client, fake_stripe, paid):
    session, _completion = paid
    charge_id = fake_stripe.get(session["payment_intent"])["latest_charge"]
    fake_stripe.refund(charge_id, 200)
    fake_stripe.refund(charge_id)
    partial, full = fake_stripe.events_of_type("charge.refunded")
    for event in (full, partial, full):
        assert post_event(client, fake_stripe, event).status_code == 200
    [refunded] = lines(action="order.refunded")
    assert (refunded.actor, refunded.target) == ("stripe", f"order:{session['client_reference_id']}")
    assert (refunded.details["stripe_event"], refunded.details["entitlement"]) == (full["id"], "released")
    assert refunded.details["amount_refunded"] == 500
    assert order(session["client_reference_id"]).status == "refunded"


def test_a_dispute_opened_and_won_is_recorded_with_its_entitlement_effects(client, fake_stripe, paid):
    session, _completion = paid
    dispute = fake_stripe.create_dispute(fake_stripe.get(session["payment_intent"])["latest_charge"])
    [created] = fake_stripe.events_of_type("charge.dispute.created")
    for _ in range(2):
        post_event(client, fake_stripe, created)
    closed = fake_stripe.close_dispute(dispute["id"], status="won")
    assert post_event(client, fake_stripe, closed).get_json()["outcome"] == "restored"
    assert [(line.action, line.details["entitlement"], line.details["stripe_event"]) for line in lines()] == [
        ("order.paid", "granted", completed_event(fake_stripe.events_of_type("checkout.session.completed"))["id"]),
        ("dispute.opened", "revoked", created["id"]),
        ("dispute.closed", "restored", closed["id"]),
    ]
    assert {line.actor for line in lines()} == {"stripe"}


def test_the_line_is_in_the_same_transaction_as_the_payment(client, fake_stripe, alice, paid_pack):
    """Without the audit table the whole fulfilment rolls back; Stripe's retry then records it once."""
    fake_stripe.auto_deliver = False
    session, events = paid_session(client, fake_stripe, alice)
    db.session.execute(text("ALTER TABLE audit_events RENAME TO audit_events_away"))
    db.session.commit()
    try:
        response = post_event(client, fake_stripe, completed_event(events))
    finally:
        db.session.rollback()
        db.session.execute(text("ALTER TABLE audit_events_away RENAME TO audit_events"))
        db.session.commit()
    assert response.status_code == 500
    assert order(session["client_reference_id"]).status == "pending" and entitlements(alice.user) == []
    assert event_rows() == 0 and lines() == []
    assert post_event(client, fake_stripe, completed_event(events)).get_json()["outcome"] == "granted"
    assert len(lines(action="order.paid")) == 1
