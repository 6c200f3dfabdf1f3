"""Order state changes from Stripe's (re-read) state. None of the apply_* functions commit.

Every transition is a compare-and-set UPDATE on the order row (plus SELECT ... FOR UPDATE on
PostgreSQL), so two deliveries racing on one order cannot both grant; the entitlement's
(user, pack) unique constraint does the rest.

Order status: pending -> processing (delayed payment) -> paid | failed | expired;
paid -> refunded (full refund) | disputed; disputed -> paid (dispute won) | refunded.
A refund or dispute may arrive before the completion: the order then goes straight to
refunded/disputed and the completion records the payment without granting.

A payment for a pack the user already has (from another order, a grant or a free add) is a
duplicate: the order is marked refund_reason="duplicate" in the transaction that records it as
paid, and refunded through Stripe after that transaction (settle_refund), with an idempotency key
per order, so a refund cut short is finished when Stripe delivers the event again (webhooks.py
answers 5xx until it is made) and never made twice. The entitlement stays with the order that
holds it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from app.exceptions import AppError, NotFound, PaymentError, UpstreamError
from app.extensions import db
from app.models import Order, utcnow
from app.packs import entitlements
from app.payments.gateway import ChargeInfo, DisputeInfo, SessionInfo, get_gateway

log = logging.getLogger(__name__)

PAID = ("paid", "no_payment_required")
UNSETTLED = ("pending", "processing", "failed", "expired")  # a completion may still move these to paid
DISPUTE_SETTLED_FOR_US = ("won", "warning_closed", "prevented")
RECORDED = ("paid", "refunded", "disputed")  # states in which the payment itself is on record
DUPLICATE = "duplicate"  # Order.refund_reason: we refund it because the user already had the pack
DUPLICATE_FAILED = "duplicate_failed"  # Stripe refused that refund for good: an operator must look


@dataclass(frozen=True)
class Fulfilment:
    # granted | already | processing | not_paid | refused | refunded | unknown | failed | expired |
    # duplicate_payment (paid for a pack already held: refund recorded) | duplicate_refunded | ...
    outcome: str
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


def transition(order: Order, *, allowed: tuple[str, ...], **values) -> bool:
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
            transition(order, allowed=("pending",), status="processing", checkout_session_id=session.id)
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
        transition(order, allowed=UNSETTLED, status="refunded",
                   amount_refunded=max(order.amount_refunded, charge.amount_refunded), **payment)
        return Fulfilment("refunded", order)
    if not transition(order, allowed=UNSETTLED, status="paid",
                      amount_refunded=max(order.amount_refunded, charge.amount_refunded if charge else 0),
                      **payment):
        _fill_payment(order, payment)  # e.g. a refund or dispute got here first
        return Fulfilment("already", order)
    return Fulfilment(_entitle(order), order)


def _entitle(order: Order) -> str:
    """`order` has just become paid: grant its pack, or find that the user already had it.

    Returns 'granted', or 'duplicate_payment' when the pack is already held another way (another
    paid order, a grant, a free add): the order is then marked for an automatic refund. A holder
    whose own duplicate refund is under way gives the pack to this order instead, since of the two
    payments this is the one that stays.
    """
    entitlement, changed = entitlements.grant(user_id=order.user_id, pack_id=order.pack_id,
                                              source="purchase", order_id=order.id)
    if changed or entitlement.order_id == order.id:
        return "granted"
    holder = db.session.get(Order, entitlement.order_id, populate_existing=True) if entitlement.order_id else None
    if holder is not None and holder.refund_reason == DUPLICATE and holder.status == "paid":
        entitlement.order_id, entitlement.source = order.id, "purchase"
        return "granted"
    transition(order, allowed=("paid",), refund_reason=DUPLICATE)
    log.warning("Order %s paid for pack %s that user %s already had (order %s, source %s): refunding it",
                order.public_id, order.pack_id, order.user_id,
                holder.public_id if holder is not None else None, entitlement.source)
    return "duplicate_payment"


def apply_session_failed(session: SessionInfo) -> Fulfilment:
    order = order_for_update(public_id=session.client_reference_id)
    if order is None or session.payment_status in PAID:
        return Fulfilment("ignored", order)
    done = transition(order, allowed=("pending", "processing"), status="failed")
    return Fulfilment("failed" if done else "already", order)


def apply_session_expired(session: SessionInfo) -> Fulfilment:
    order = order_for_update(public_id=session.client_reference_id)
    if order is None or session.status != "expired":
        return Fulfilment("ignored", order)
    done = transition(order, allowed=("pending",), status="expired")
    return Fulfilment("expired" if done else "already", order)


def apply_charge(charge: ChargeInfo, order: Order | None) -> Fulfilment:
    """Record the charge's refunds; a full refund releases what this order granted."""
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
        entitlements.release(user_id=order.user_id, pack_id=order.pack_id, order_id=order.id, reason="refunded")
    return Fulfilment("refunded", order)


def apply_dispute(dispute: DisputeInfo, order: Order | None) -> Fulfilment:
    """An open or lost dispute releases the pack; one settled in our favour restores it.

    `dispute` must have been read from Stripe after `order` was locked (see webhooks.py): a
    reading taken earlier may predate the dispute's closure and would undo it.
    """
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
        db.session.flush()
        return Fulfilment(_restore(order), order)
    if order.status in ("disputed", "refunded"):
        return Fulfilment("already", order)
    order.status = "disputed"
    released = entitlements.release(user_id=order.user_id, pack_id=order.pack_id, order_id=order.id,
                                    reason="dispute")
    return Fulfilment("moved" if released == "moved" else "revoked", order)


def _restore(order: Order) -> str:
    """A won dispute: the order is paid again. An entitlement an operator revoked stays revoked."""
    entitlement = entitlements.find_entitlement(user_id=order.user_id, pack_id=order.pack_id)
    if entitlement is not None and entitlement.revoked_at is not None \
            and entitlement.revoke_reason not in ("dispute", "refunded"):
        return "paid"
    outcome = _entitle(order)
    return "restored" if outcome == "granted" else outcome


def _fill_payment(order: Order, values: dict) -> None:
    for name, value in values.items():
        if value and not getattr(order, name):
            setattr(order, name, value)


# --- Refunds we make ourselves (outside any transaction) ---

def settle_refund(public_id: str) -> Fulfilment:
    """Refund a duplicate payment through Stripe and record it; does nothing if none is due.

    Call with no transaction open (it commits). Idempotent: the key `refund-duplicate-<order>`
    makes Stripe return the same refund however often this runs, concurrently or after a crash.
    Raises UpstreamError when Stripe is unreachable (the refund stays due); a permanent refusal
    is logged and recorded as refund_reason="duplicate_failed" for an operator.
    """
    gateway = get_gateway()
    order = db.session.scalar(select(Order).where(Order.public_id == public_id)
                              .execution_options(populate_existing=True))
    db.session.commit()
    if order is None or order.status != "paid" or order.refund_reason != DUPLICATE:
        return Fulfilment("already", order)
    if gateway is None:
        raise UpstreamError("Payments are not configured: cannot refund.")
    refund = None
    if order.payment_intent_id:  # none when nothing was charged (a 100 % discount)
        refund = gateway.refund_payment(
            payment_intent_id=order.payment_intent_id, idempotency_key=f"refund-duplicate-{public_id}",
            metadata={"order": public_id, "hexpack_reason": DUPLICATE})
        if refund.status in ("failed", "canceled", "refused"):
            return _refund_refused(public_id, f"refund {refund.id} is {refund.status}")
    charge = refund.charge if refund is not None else None
    if refund is not None and refund.status == "already_refunded" and order.charge_id:
        charge = gateway.retrieve_charge(order.charge_id)
    try:
        order = order_for_update(public_id=public_id)
        if charge is not None:
            refunded = charge.amount_refunded
        else:  # nothing was charged, or Stripe did not say how much is refunded in all
            refunded = order.amount_refunded + (refund.amount if refund is not None else 0)
        done = transition(order, allowed=("paid",), status="refunded",
                          amount_refunded=max(order.amount_refunded, refunded))
        if done:  # normally a no-op: the pack stays with the order that holds it
            entitlements.release(user_id=order.user_id, pack_id=order.pack_id, order_id=order.id,
                                 reason="refunded")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log.info("Order %s: duplicate payment refunded (%s)", public_id, refund.id if refund else "nothing charged")
    return Fulfilment("duplicate_refunded" if done else "already", order)


def _refund_refused(public_id: str, why: str) -> Fulfilment:
    log.error("Stripe refused to refund duplicate order %s (%s): refund it by hand", public_id, why)
    try:
        order = order_for_update(public_id=public_id)
        if order.refund_reason == DUPLICATE:
            order.refund_reason = DUPLICATE_FAILED
            order.updated_at = utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Fulfilment("refund_refused", order)


def settle_due_refunds(*, own: str | None = None, limit: int = 10) -> list[Fulfilment]:
    """Finish the duplicate refunds still due, oldest first.

    A failure to reach Stripe for order `own` (the one the caller is about) is raised once all
    have been tried, so the caller can answer 5xx and be called again; for the others, left over
    from earlier calls, it is logged and they stay due for the next call.
    """
    due = list(db.session.scalars(
        select(Order.public_id).where(Order.refund_reason == DUPLICATE, Order.status == "paid")
        .order_by(Order.id).limit(limit)))
    if own is not None and own not in due and refund_due(db.session.scalar(
            select(Order).where(Order.public_id == own))):
        due.insert(0, own)
    db.session.commit()
    results, failure = [], None
    for public_id in due:
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


def refund_due(order: Order | None) -> bool:
    return order is not None and order.status == "paid" and order.refund_reason == DUPLICATE


def fulfill_checkout(*, session_id: str) -> Fulfilment:
    """The success page's fulfilment: re-read the Session from Stripe and apply it (idempotent).

    Only Sessions of our own orders are looked up at Stripe, and only until their payment is on
    record; after that the page is answered from the database.
    """
    gateway = get_gateway()
    if gateway is None:
        raise NotFound("This server does not take payments.")
    order = db.session.scalar(select(Order).where(Order.checkout_session_id == session_id))
    if order is None:
        raise NotFound("This checkout is not one of ours.")
    result = Fulfilment("already", order)
    if order.status not in RECORDED:
        db.session.rollback()  # hold no transaction across the Stripe call
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
    if refund_due(result.order):
        try:
            return settle_refund(result.order.public_id)
        except UpstreamError as error:  # the refund stays due; the webhook for this Session finishes it
            db.session.rollback()
            log.warning("Order %s: duplicate refund left to the webhook (%s)", result.order.public_id,
                        error.message)
    return result
