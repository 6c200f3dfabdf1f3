"""Order state changes from Stripe's (re-read) state. None of the apply_* functions commit.

Every transition is a compare-and-set UPDATE on the order row (plus SELECT ... FOR UPDATE on
PostgreSQL), so two deliveries racing on one order cannot both grant; the entitlement's
(user, pack) unique constraint does the rest.

Order status: pending -> processing (delayed payment) -> paid | failed | expired;
paid -> refunded (full refund) | disputed; disputed -> paid (dispute won) | refunded.
A refund or dispute may arrive before the completion: the order then goes straight to
refunded/disputed and the completion records the payment without granting.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from app.exceptions import NotFound, PaymentError
from app.extensions import db
from app.models import Order, utcnow
from app.packs import entitlements
from app.payments.gateway import ChargeInfo, DisputeInfo, SessionInfo, get_gateway

log = logging.getLogger(__name__)

PAID = ("paid", "no_payment_required")
UNSETTLED = ("pending", "processing", "failed", "expired")  # a completion may still move these to paid
DISPUTE_SETTLED_FOR_US = ("won", "warning_closed", "prevented")


@dataclass(frozen=True)
class Fulfilment:
    outcome: str  # granted | already | processing | refused | refunded | unknown | ...
    order: Order | None


def order_for_update(*, public_id: str | None = None, payment_intent_id: str | None = None) -> Order | None:
    query = select(Order)
    if public_id:
        query = query.where(Order.public_id == public_id)
    elif payment_intent_id:
        query = query.where(Order.payment_intent_id == payment_intent_id)
    else:
        return None
    return db.session.scalar(query.with_for_update().execution_options(populate_existing=True))


def _transition(order: Order, *, allowed: tuple[str, ...], **values) -> bool:
    """UPDATE the order only if its status is still one of `allowed`; True if this call did it."""
    result = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.in_(allowed))
        .values(updated_at=utcnow(), **values)
    )
    db.session.refresh(order)
    return result.rowcount == 1


def _mismatch(order: Order, session: SessionInfo) -> str | None:
    if session.metadata.get("order") not in (None, order.public_id):
        return f"metadata.order {session.metadata.get('order')!r}"
    if order.checkout_session_id not in (None, session.id):
        return f"session {session.id} but the order has {order.checkout_session_id}"
    if (session.currency or "").lower() != order.currency.lower():
        return f"currency {session.currency!r} != {order.currency!r}"
    if session.amount_subtotal != order.amount:
        return f"amount_subtotal {session.amount_subtotal} != {order.amount}"
    if session.amount_total != order.amount - session.amount_discount:
        return f"amount_total {session.amount_total} != {order.amount} - discount {session.amount_discount}"
    if session.line_items not in (None, 1):
        return f"{session.line_items} line items"
    return None


def apply_session(session: SessionInfo) -> Fulfilment:
    """Grant the order's pack if Stripe says the Session is paid and it matches the order."""
    order = order_for_update(public_id=session.client_reference_id)
    if order is None:
        log.warning("Checkout Session %s has client_reference_id %r: not one of our orders",
                    session.id, session.client_reference_id)
        return Fulfilment("unknown", None)
    if session.payment_status not in PAID:
        if session.status == "complete":  # a delayed method: wait for async_payment_succeeded/failed
            _transition(order, allowed=("pending",), status="processing", checkout_session_id=session.id)
            return Fulfilment("processing", order)
        return Fulfilment("not_paid", order)
    problem = _mismatch(order, session)
    if problem:
        log.error("Refusing to fulfil order %s from Session %s: %s", order.public_id, session.id, problem)
        return Fulfilment("refused", order)
    charge = session.charge
    payment = {"checkout_session_id": session.id, "payment_intent_id": session.payment_intent_id,
               "charge_id": charge.id if charge else None, "receipt_url": charge.receipt_url if charge else None}
    payment = {name: value for name, value in payment.items() if value}
    if charge is not None and charge.refunded:  # refunded before we heard of the completion
        _transition(order, allowed=UNSETTLED, status="refunded",
                    amount_refunded=max(order.amount_refunded, charge.amount_refunded), **payment)
        return Fulfilment("refunded", order)
    if not _transition(order, allowed=UNSETTLED, status="paid",
                       amount_refunded=max(order.amount_refunded, charge.amount_refunded if charge else 0),
                       **payment):
        _fill_payment(order, payment)  # e.g. a refund or dispute got here first
        return Fulfilment("already", order)
    entitlement, changed = entitlements.grant(user_id=order.user_id, pack_id=order.pack_id,
                                              source="purchase", order_id=order.id)
    if not changed and entitlement.order_id != order.id:
        log.warning("Order %s paid for pack %s that user %s already had (order %s, source %s): refund by hand",
                    order.public_id, order.pack_id, order.user_id, entitlement.order_id, entitlement.source)
    return Fulfilment("granted", order)


def apply_session_failed(session: SessionInfo) -> Fulfilment:
    order = order_for_update(public_id=session.client_reference_id)
    if order is None or session.payment_status in PAID:
        return Fulfilment("ignored", order)
    done = _transition(order, allowed=("pending", "processing"), status="failed")
    return Fulfilment("failed" if done else "already", order)


def apply_session_expired(session: SessionInfo) -> Fulfilment:
    order = order_for_update(public_id=session.client_reference_id)
    if order is None or session.status != "expired":
        return Fulfilment("ignored", order)
    done = _transition(order, allowed=("pending",), status="expired")
    return Fulfilment("expired" if done else "already", order)


def apply_charge(charge: ChargeInfo, order: Order | None) -> Fulfilment:
    """Record the charge's refunds; a full refund revokes what this order granted."""
    if order is None:
        return Fulfilment("unknown", None)
    _fill_payment(order, {"payment_intent_id": charge.payment_intent_id, "charge_id": charge.id,
                          "receipt_url": charge.receipt_url})
    order.amount_refunded = max(order.amount_refunded, charge.amount_refunded)
    order.updated_at = utcnow()
    if not charge.refunded:
        return Fulfilment("partially_refunded" if charge.amount_refunded else "no_refund", order)
    if order.status != "refunded":
        order.status = "refunded"
        entitlements.revoke(user_id=order.user_id, pack_id=order.pack_id, reason="refunded", order_id=order.id)
    return Fulfilment("refunded", order)


def apply_dispute(dispute: DisputeInfo, order: Order | None) -> Fulfilment:
    """An open or lost dispute revokes; one settled in our favour restores."""
    if order is None:
        return Fulfilment("unknown", None)
    _fill_payment(order, {"payment_intent_id": dispute.payment_intent_id, "charge_id": dispute.charge_id})
    order.updated_at = utcnow()
    if dispute.status in DISPUTE_SETTLED_FOR_US:
        if order.status != "disputed":
            return Fulfilment("already", order)
        if order.amount_refunded >= order.amount:
            order.status = "refunded"
            return Fulfilment("refunded", order)
        order.status = "paid"
        entitlements.restore_after_dispute(user_id=order.user_id, pack_id=order.pack_id, order_id=order.id)
        return Fulfilment("restored", order)
    if order.status in ("disputed", "refunded"):
        return Fulfilment("already", order)
    order.status = "disputed"
    entitlements.revoke(user_id=order.user_id, pack_id=order.pack_id, reason="dispute", order_id=order.id)
    return Fulfilment("revoked", order)


def _fill_payment(order: Order, values: dict) -> None:
    for name, value in values.items():
        if value and not getattr(order, name):
            setattr(order, name, value)


def fulfill_checkout(*, session_id: str) -> Fulfilment:
    """The success page's fulfilment: re-read the Session from Stripe and apply it (idempotent)."""
    gateway = get_gateway()
    if gateway is None:
        raise NotFound("This server does not take payments.")
    session = gateway.retrieve_checkout_session(session_id)
    try:
        result = apply_session(session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if result.outcome == "unknown":
        raise NotFound("This checkout is not one of ours.")
    if result.outcome == "refused":
        raise PaymentError("This payment could not be matched to its order. It has been logged; "
                           "contact the operator.")
    return result
