"""Stripe webhooks: verify, re-read the object from Stripe, record the event once and apply it.

The event row (primary key = Stripe's event id) is inserted in the same transaction as the
event's effects: a failure rolls both back and answers 5xx so Stripe retries; a duplicate
delivery finds the row (or loses the insert race) and answers 200 without doing anything.
Event types we do not handle are answered 200 and not recorded: there is nothing to de-duplicate.
Events whose livemode differs from the API key's mode are answered 200, logged and ignored.
A signed body that is not an event we can process (an array, no data.object.id) is answered 400
and logged at ERROR: a 5xx would have Stripe retry it for days.

A dispute is read from Stripe a second time once its order row is locked: deliveries about one
dispute then apply in turn, each with Stripe's state at that moment, so a late `created` cannot
undo a `closed` that was applied before it.

A duplicate payment (a second one for a pack the user has) is refunded after the transaction that
recorded it; if Stripe cannot be reached for that, the answer is 5xx, so Stripe delivers the event
again. A repeated delivery finishes its order's refund, and any others still due
(refunds.settle_due_refunds).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.exceptions import InvalidSignature, MalformedEvent
from app.extensions import db
from app.models import Order, StripeEvent
from app.payments import orders
from app.payments.gateway import StripeGateway, get_gateway
from app.payments.dispute_transfer_services import sync_dispute_transfer
from app.payments.refunds import settle_due_refunds, settle_refund
from app.payments.states import FulfilmentOutcome, order_for_update
from app.payments.stripe_data import WebhookEvent
from app.sqlhelpers import insert_or_ignore
from app.transactions import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handler:
    read: Callable[[StripeGateway, WebhookEvent], Any]  # Stripe calls, outside the write transaction
    apply: Callable[[Any], orders.Fulfilment]  # database changes, inside it


@dataclass(frozen=True)
class Applied:
    """What an event did, read before the commit expires the order."""

    outcome: FulfilmentOutcome
    order_id: str | None  # the order's public id
    refund_due: bool


class AlreadyRecorded(Exception):
    """Another delivery of the same event recorded it first."""


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


def _apply_charge(state) -> orders.Fulfilment:
    charge, public_id = state
    return orders.apply_charge(charge, order_for_update(public_id=public_id))


def _apply_dispute(state) -> orders.Fulfilment:
    dispute, public_id = state
    order = order_for_update(public_id=public_id)
    if order is not None:
        # The first reading may be older than a closure applied since: read again under the lock.
        dispute = get_gateway().retrieve_dispute(dispute.id)
    return orders.apply_dispute(dispute, order)


HANDLERS = {
    "checkout.session.completed": Handler(_read_session, orders.apply_session),
    "checkout.session.async_payment_succeeded": Handler(_read_session, orders.apply_session),
    "checkout.session.async_payment_failed": Handler(_read_session, orders.apply_session_failed),
    "checkout.session.expired": Handler(_read_session, orders.apply_session_expired),
    "charge.refunded": Handler(_read_charge, _apply_charge),
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


def _duplicate(event: WebhookEvent) -> FulfilmentOutcome:
    """An event processed before: only finish its order's refund, if one is still due."""
    settle_due_refunds(own=_event_order(event))
    _follow_money(event)
    return FulfilmentOutcome.DUPLICATE_EVENT


def _follow_money(event: WebhookEvent) -> None:
    """A creator's share follows a dispute (on every delivery until done: UpstreamError answers 5xx)."""
    if not event.type.startswith("charge.dispute."):
        return
    intent = event.object.get("payment_intent")
    intent = intent.get("id") if isinstance(intent, dict) else intent
    if intent and db.session.scalar(select(Order.transfer_id).where(Order.payment_intent_id == intent)):
        sync_dispute_transfer(event.object["id"])


def handle_webhook(*, payload: bytes, signature: str | None) -> FulfilmentOutcome:
    """Process one delivery; returns what happened. Raises InvalidSignature (400) or anything (5xx)."""
    gateway = get_gateway()
    if gateway is None:
        log.error("Stripe webhook received but STRIPE_SECRET_KEY is not set")
        raise InvalidSignature("This server does not take payments.")
    event = _parse(gateway, payload, signature)
    handler = _handler(gateway, event)
    if handler is None:
        return FulfilmentOutcome.IGNORED
    if _recorded(event.id):
        return _duplicate(event)
    db.session.rollback()  # hold no transaction across the Stripe calls
    state = handler.read(gateway, event)
    db.session.rollback()
    applied = _record_and_apply(event, handler, state)
    if applied is None:
        return _duplicate(event)
    log.info("Stripe event %s (%s): %s (order %s)", event.id, event.type, applied.outcome, applied.order_id)
    _follow_money(event)
    if applied.refund_due:
        return settle_refund(applied.order_id).outcome  # UpstreamError: 5xx, Stripe delivers again
    return applied.outcome


def _recorded(event_id: str) -> bool:
    return db.session.scalar(select(StripeEvent.id).where(StripeEvent.id == event_id)) is not None


def _parse(gateway: StripeGateway, payload: bytes, signature: str | None) -> WebhookEvent:
    try:
        return gateway.parse_webhook(payload, signature)
    except MalformedEvent as error:
        # Signed by Stripe, so a 5xx would only make it retry for days: refuse it and leave a trace.
        log.error("Refused a signed Stripe webhook we cannot process: %s (%d bytes, sha256 %s)", error.message,
                  len(payload), hashlib.sha256(payload).hexdigest())
        raise


def _handler(gateway: StripeGateway, event: WebhookEvent) -> Handler | None:
    """The event's handler; None (logged) for the other mode's events and for types we do not handle."""
    if event.livemode != gateway.livemode:
        log.warning("Ignoring Stripe event %s (%s): livemode=%s but our key is in %s mode", event.id,
                    event.type, event.livemode, "live" if gateway.livemode else "test")
        return None
    handler = HANDLERS.get(event.type)
    if handler is None:
        log.info("Ignoring Stripe event %s of unhandled type %s", event.id, event.type)
    return handler


def _record_and_apply(event: WebhookEvent, handler: Handler, state) -> Applied | None:
    """Record the event and apply its effects in one transaction; None if it was recorded before."""
    try:
        with transaction():
            if not insert_or_ignore(StripeEvent, {"id": event.id, "type": event.type, "created": event.created},
                                    ["id"]):
                raise AlreadyRecorded(event.id)
            result = handler.apply(state)
            orders.audit_fulfilment(result, actor=audit.STRIPE, stripe_event=event.id, stripe_event_type=event.type)
            applied = Applied(outcome=result.outcome, refund_due=orders.refund_due(result.order),
                              order_id=result.order.public_id if result.order is not None else None)
    except AlreadyRecorded:
        return None
    except IntegrityError:  # lost the insert race on a database that reports it as an error
        if not _recorded(event.id):
            raise
        return None
    return applied
