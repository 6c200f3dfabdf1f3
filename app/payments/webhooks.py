"""Stripe webhooks: verify, re-read the object from Stripe, record the event once and apply it.

The event row (primary key = Stripe's event id) is inserted in the same transaction as the
event's effects: a failure rolls both back and answers 5xx so Stripe retries; a duplicate
delivery finds the row (or loses the insert race) and answers 200 without doing anything.
Event types we do not handle are answered 200 and not recorded: there is nothing to de-duplicate.
Events whose livemode differs from the API key's mode are answered 200, logged and ignored.

A dispute is read from Stripe a second time once its order row is locked: deliveries about one
dispute then apply in turn, each with Stripe's state at that moment, so a late `created` cannot
undo a `closed` that was applied before it.

A duplicate payment (a second one for a pack the user has) is refunded after the transaction that
recorded it; if Stripe cannot be reached for that, the answer is 5xx, so Stripe delivers the event
again. A repeated delivery finishes its order's refund, and any others still due
(fulfilment.settle_due_refunds).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.exceptions import InvalidSignature
from app.extensions import db
from app.models import Order, StripeEvent
from app.payments import fulfilment
from app.payments.gateway import StripeGateway, WebhookEvent, get_gateway
from app.sqlhelpers import insert_or_ignore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handler:
    read: Callable[[StripeGateway, WebhookEvent], Any]  # Stripe calls, outside the write transaction
    apply: Callable[[Any], fulfilment.Fulfilment]  # database changes, inside it


def _read_session(gateway: StripeGateway, event: WebhookEvent):
    return gateway.retrieve_checkout_session(event.object["id"])


def _order_public_id(gateway: StripeGateway, metadata: dict, payment_intent_id: str | None) -> str | None:
    """Our order for a charge/dispute: its metadata, the order that recorded the PaymentIntent, or the PI's metadata."""
    if metadata.get("order"):
        return metadata["order"]
    if not payment_intent_id:
        return None
    known = db.session.scalar(select(Order.public_id).where(Order.payment_intent_id == payment_intent_id))
    return known or gateway.payment_intent_metadata(payment_intent_id).get("order")


def _read_charge(gateway: StripeGateway, event: WebhookEvent):
    charge = gateway.retrieve_charge(event.object["id"])
    return charge, _order_public_id(gateway, charge.metadata, charge.payment_intent_id)


def _read_dispute(gateway: StripeGateway, event: WebhookEvent):
    dispute = gateway.retrieve_dispute(event.object["id"])
    metadata, intent = {}, dispute.payment_intent_id
    if intent is None and dispute.charge_id:
        charge = gateway.retrieve_charge(dispute.charge_id)
        metadata, intent = charge.metadata, charge.payment_intent_id
    return dispute, _order_public_id(gateway, metadata, intent)


def _with_order(apply):
    def wrapper(state):
        obj, public_id = state
        return apply(obj, fulfilment.order_for_update(public_id=public_id))
    return wrapper


def _apply_dispute(state):
    dispute, public_id = state
    order = fulfilment.order_for_update(public_id=public_id)
    if order is not None:
        # The first reading may be older than a closure applied since: read again under the lock.
        dispute = get_gateway().retrieve_dispute(dispute.id)
    return fulfilment.apply_dispute(dispute, order)


HANDLERS = {
    "checkout.session.completed": Handler(_read_session, fulfilment.apply_session),
    "checkout.session.async_payment_succeeded": Handler(_read_session, fulfilment.apply_session),
    "checkout.session.async_payment_failed": Handler(_read_session, fulfilment.apply_session_failed),
    "checkout.session.expired": Handler(_read_session, fulfilment.apply_session_expired),
    "charge.refunded": Handler(_read_charge, _with_order(fulfilment.apply_charge)),
    "charge.dispute.created": Handler(_read_dispute, _apply_dispute),
    "charge.dispute.closed": Handler(_read_dispute, _apply_dispute),
}


def _event_order(event: WebhookEvent) -> str | None:
    """The public id of the order a (verified) event is about, from its payload and our database."""
    obj = event.object
    if event.type.startswith("checkout.session."):
        return obj.get("client_reference_id")
    intent = obj.get("payment_intent")
    intent = intent.get("id") if isinstance(intent, dict) else intent
    if not intent:
        return None
    return db.session.scalar(select(Order.public_id).where(Order.payment_intent_id == intent))


def _duplicate(event: WebhookEvent) -> str:
    """An event processed before: only finish its order's refund, if one is still due."""
    fulfilment.settle_due_refunds(own=_event_order(event))
    return "duplicate"


def handle_webhook(*, payload: bytes, signature: str | None) -> str:
    """Process one delivery; returns what happened. Raises InvalidSignature (400) or anything (5xx)."""
    gateway = get_gateway()
    if gateway is None:
        log.error("Stripe webhook received but STRIPE_SECRET_KEY is not set")
        raise InvalidSignature("This server does not take payments.")
    event = gateway.parse_webhook(payload, signature)
    if event.livemode != gateway.livemode:
        log.warning("Ignoring Stripe event %s (%s): livemode=%s but our key is in %s mode", event.id,
                    event.type, event.livemode, "live" if gateway.livemode else "test")
        return "ignored"
    handler = HANDLERS.get(event.type)
    if handler is None:
        log.info("Ignoring Stripe event %s of unhandled type %s", event.id, event.type)
        return "ignored"
    if db.session.get(StripeEvent, event.id) is not None:
        return _duplicate(event)
    db.session.rollback()  # hold no transaction across the Stripe calls
    state = handler.read(gateway, event)
    db.session.rollback()
    try:
        if not insert_or_ignore(StripeEvent, {"id": event.id, "type": event.type, "created": event.created},
                                ["id"]):
            db.session.rollback()
            return _duplicate(event)
        result = handler.apply(state)
        order_id = result.order.public_id if result.order is not None else None
        refund_due = fulfilment.refund_due(result.order)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if db.session.get(StripeEvent, event.id) is not None:
            return _duplicate(event)
        raise
    except Exception:
        db.session.rollback()
        raise
    log.info("Stripe event %s (%s): %s (order %s)", event.id, event.type, result.outcome, order_id)
    if refund_due:
        return fulfilment.settle_refund(order_id).outcome  # UpstreamError: 5xx, Stripe delivers again
    return result.outcome
