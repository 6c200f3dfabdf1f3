"""Refunding duplicate payments through Stripe: a use case that commits and calls Stripe.

A duplicate payment (orders.py marks it refund_reason="duplicate" in the transaction that records
it) is refunded after that transaction, with no transaction held across the Stripe call. The
idempotency key `refund-duplicate-<order>` makes Stripe return the same refund however often this
runs, concurrently or after a crash: a refund cut short is finished when Stripe delivers the event
again (webhooks.py answers 5xx until it is made) and is never made twice.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from app import audit
from app.exceptions import AppError, UpstreamError
from app.extensions import db
from app.models import Order, utcnow
from app.packs import entitlements
from app.payments.gateway import get_gateway
from app.payments.orders import Fulfilment, audit_fulfilment, refund_due
from app.payments.states import FulfilmentOutcome, OrderStatus, RefundReason, order_for_update, transition
from app.payments.stripe_data import ChargeInfo, RefundInfo
from app.transactions import transaction

log = logging.getLogger(__name__)

REFUND_REFUSED = ("failed", "canceled", "refused")  # RefundInfo.status values a retry would not change


def settle_refund(public_id: str) -> Fulfilment:
    """Refund a duplicate payment through Stripe and record it; does nothing if none is due.

    Call with no transaction open (it commits). Raises UpstreamError when Stripe is unreachable
    (the refund stays due); a permanent refusal is logged and recorded as
    refund_reason="duplicate_failed" for an operator.
    """
    gateway = get_gateway()
    order = db.session.scalar(select(Order).where(Order.public_id == public_id)
                              .execution_options(populate_existing=True))
    due = refund_due(order)
    payment_intent_id, charge_id = (order.payment_intent_id, order.charge_id) if due else (None, None)
    db.session.rollback()  # a read only: hold no transaction across the Stripe calls
    if not due:
        return Fulfilment(FulfilmentOutcome.ALREADY, order)
    if gateway is None:
        raise UpstreamError("Payments are not configured: cannot refund.")
    refund = charge = None
    if payment_intent_id:  # none when nothing was charged (a 100 % discount)
        refund = gateway.refund_payment(
            payment_intent_id=payment_intent_id, idempotency_key=f"refund-duplicate-{public_id}",
            metadata={"order": public_id, "hexpack_reason": RefundReason.DUPLICATE.value})
        if refund.status in REFUND_REFUSED:
            return _refund_refused(public_id, f"refund {refund.id} is {refund.status}")
        charge = refund.charge
        if refund.status == "already_refunded" and charge_id:
            charge = gateway.retrieve_charge(charge_id)
    return _record_refund(public_id, refund, charge)


def _record_refund(public_id: str, refund: RefundInfo | None, charge: ChargeInfo | None) -> Fulfilment:
    """The refund is made at Stripe: the order becomes refunded (once)."""
    with transaction():
        order = order_for_update(public_id=public_id)
        if charge is not None:
            refunded = charge.amount_refunded
        else:  # nothing was charged, or Stripe did not say how much is refunded in all
            refunded = order.amount_refunded + (refund.amount if refund is not None else 0)
        done = transition(order, OrderStatus.REFUNDED, only_from=(OrderStatus.PAID,),
                          amount_refunded=max(order.amount_refunded, refunded))
        if done:  # normally a no-op: the pack stays with the order that holds it
            entitlements.release(user_id=order.user_id, pack_id=order.pack_id, order_id=order.id,
                                 reason="refunded")
            audit_fulfilment(Fulfilment(FulfilmentOutcome.DUPLICATE_REFUNDED, order), actor=audit.SYSTEM,
                             reason="duplicate", refund=refund.id if refund else None)
    log.info("Order %s: duplicate payment refunded (%s)", public_id, refund.id if refund else "nothing charged")
    return Fulfilment(FulfilmentOutcome.DUPLICATE_REFUNDED if done else FulfilmentOutcome.ALREADY, order)


def _refund_refused(public_id: str, why: str) -> Fulfilment:
    log.error("Stripe refused to refund duplicate order %s (%s): refund it by hand", public_id, why)
    with transaction():
        order = order_for_update(public_id=public_id)
        if order.refund_reason == RefundReason.DUPLICATE:
            order.refund_reason = RefundReason.DUPLICATE_FAILED.value
            order.updated_at = utcnow()
    return Fulfilment(FulfilmentOutcome.REFUND_REFUSED, order)


def settle_refund_or_leave_due(public_id: str) -> Fulfilment | None:
    """settle_refund, except that when Stripe is unreachable the refund is left due (None).

    For callers that may not fail for it (the success page, a new checkout): the webhook for
    the order's Session is answered 5xx until the refund is made, so Stripe's retries finish it.
    """
    try:
        return settle_refund(public_id)
    except UpstreamError as error:
        db.session.rollback()
        log.warning("Order %s: duplicate refund left to the webhook (%s)", public_id, error.message)
        return None


def settle_due_refunds(*, own: str | None = None, limit: int = 10) -> list[Fulfilment]:
    """Finish the duplicate refunds still due, oldest first.

    A failure to reach Stripe for order `own` (the one the caller is about) is raised once all
    have been tried, so the caller can answer 5xx and be called again; for the others, left over
    from earlier calls, it is logged and they stay due for the next call.
    """
    results, failure = [], None
    for public_id in _due_refunds(own=own, limit=limit):
        try:
            results.append(settle_refund(public_id))
        except UpstreamError as error:
            db.session.rollback()
            log.warning("Duplicate order %s: refund still due (%s)", public_id, error.message)
            if public_id == own:
                failure = error
        except AppError as error:  # not expected: keep it from blocking every other delivery
            db.session.rollback()
            log.error("Duplicate order %s: refund failed (%s)", public_id, error.message)
    if failure is not None:
        raise failure
    return results


def _due_refunds(*, own: str | None, limit: int) -> list[str]:
    """Public ids of the orders whose duplicate refund is due: `own` first (if due), then the oldest."""
    due = list(db.session.scalars(
        select(Order.public_id).where(Order.refund_reason == RefundReason.DUPLICATE.value,
                                      Order.status == OrderStatus.PAID.value)
        .order_by(Order.id).limit(limit)))
    if own is not None and own not in due and refund_due(db.session.scalar(
            select(Order).where(Order.public_id == own))):
        due.insert(0, own)
    db.session.rollback()  # a read only: hold no transaction across the Stripe calls
    return due
