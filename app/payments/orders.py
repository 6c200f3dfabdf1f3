"""What Stripe's (re-read) state does to our orders. Nothing here commits or calls Stripe.

Each apply_* function takes what the gateway read from Stripe, locks the order row, moves it with
the compare-and-set transitions of states.py and grants or releases the pack; the calling use case
(checkout.py, webhooks.py) owns the transaction and the Stripe calls. The entitlement's
(user, pack) unique constraint does the rest against racing deliveries.

A payment for a pack the user already has (from another order, a grant or a free add) is a
duplicate: the order is marked refund_reason="duplicate" in the transaction that records it as
paid, and refunded through Stripe after that transaction (refunds.py). The entitlement stays with
the order that holds it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from app import audit
from app.extensions import db
from app.models import Order, utcnow
from app.packs import entitlements
from app.payments.states import (UNSETTLED, FulfilmentOutcome, OrderStatus, RefundReason, order_for_update,
                                 transition, update_if)
from app.payments.stripe_data import ChargeInfo, DisputeInfo, SessionInfo

log = logging.getLogger(__name__)

SESSION_PAID = ("paid", "no_payment_required")  # Stripe's Session.payment_status values that mean paid
DISPUTE_SETTLED_FOR_US = ("won", "warning_closed", "prevented")  # Stripe's Dispute.status values


@dataclass(frozen=True)
class Fulfilment:
    outcome: FulfilmentOutcome
    order: Order | None


# What each outcome did, for the audit log: (action, effect on the entitlement). Outcomes that
# changed nothing (already, not paid, refused, unknown, ignored, no refund) are not recorded.
AUDITED_OUTCOMES = {
    FulfilmentOutcome.GRANTED: ("order.paid", "granted"),
    FulfilmentOutcome.DUPLICATE_PAYMENT: ("order.paid", "already held: refund due"),
    FulfilmentOutcome.PROCESSING: ("order.processing", "none"),
    FulfilmentOutcome.FAILED: ("order.failed", "none"),
    FulfilmentOutcome.EXPIRED: ("order.expired", "none"),
    FulfilmentOutcome.PARTIALLY_REFUNDED: ("order.partially_refunded", "kept"),
    FulfilmentOutcome.REFUNDED: ("order.refunded", "released"),
    FulfilmentOutcome.DUPLICATE_REFUNDED: ("order.refunded", "kept by the order that holds it"),
    FulfilmentOutcome.REVOKED: ("dispute.opened", "revoked"),
    FulfilmentOutcome.MOVED: ("dispute.opened", "moved to another paid order"),
    FulfilmentOutcome.RESTORED: ("dispute.closed", "restored"),
    FulfilmentOutcome.PAID: ("dispute.closed", "an operator's revocation stands"),
}


def audit_fulfilment(result: Fulfilment, *, actor: str, **details) -> None:
    """Add the audit line for what `result` did to its order (in the caller's transaction)."""
    audited = AUDITED_OUTCOMES.get(result.outcome)
    if audited is None or result.order is None:
        return
    action, effect = audited
    order = result.order
    if action == "order.refunded" and audit.has_line(action=action, target=f"order:{order.public_id}"):
        return  # refunded is final: a later refund event re-reading it changed nothing
    audit.record(actor, action, f"order:{order.public_id}", status=str(order.status), entitlement=effect,
                 user=order.user.matrix_id, pack=order.pack.slug, amount_refunded=order.amount_refunded,
                 **details)


def refund_due(order: Order | None) -> bool:
    """The order is a duplicate payment whose refund has not been made yet."""
    return order is not None and order.status == OrderStatus.PAID and order.refund_reason == RefundReason.DUPLICATE


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
    destination = session.charge.destination if session.charge else None
    if destination != order.destination and (destination or session.charge):
        return f"destination {destination!r} != {order.destination!r}"
    return None


def _destination_payment(charge: ChargeInfo) -> dict:
    """A creator's sale: the transfer to them and the platform's fee, as Stripe made them."""
    return {"transfer_id": charge.transfer_id, "application_fee_id": charge.application_fee_id,
            "application_fee_amount": charge.application_fee_amount}


def apply_session(session: SessionInfo) -> Fulfilment:
    """Grant the order's pack if Stripe says the Session is paid and it matches the order."""
    order = order_for_update(public_id=session.client_reference_id)
    if order is None:
        log.warning("Checkout Session %s has client_reference_id %r: not one of our orders",
                    session.id, session.client_reference_id)
        return Fulfilment(FulfilmentOutcome.UNKNOWN, None)
    if session.payment_status not in SESSION_PAID:
        if session.status == "complete":  # a delayed method: wait for async_payment_succeeded/failed
            transition(order, OrderStatus.PROCESSING, checkout_session_id=session.id)
            return Fulfilment(FulfilmentOutcome.PROCESSING, order)
        return Fulfilment(FulfilmentOutcome.NOT_PAID, order)
    problem = _mismatch(order, session)
    if problem:
        log.error("Refusing to fulfil order %s from Session %s: %s", order.public_id, session.id, problem)
        return Fulfilment(FulfilmentOutcome.REFUSED, order)
    return Fulfilment(_record_payment(order, session), order)


def _record_payment(order: Order, session: SessionInfo) -> FulfilmentOutcome:
    """A paid Session matching `order`: the order becomes paid (or refunded, if it already was)."""
    charge = session.charge
    payment = {"checkout_session_id": session.id, "payment_intent_id": session.payment_intent_id,
               "charge_id": charge.id if charge else None, "receipt_url": charge.receipt_url if charge else None,
               **(_destination_payment(charge) if charge else {})}
    payment = {name: value for name, value in payment.items() if value}
    refunded = max(order.amount_refunded, charge.amount_refunded if charge else 0)
    if charge is not None and charge.refunded:  # refunded before we heard of the completion
        transition(order, OrderStatus.REFUNDED, only_from=UNSETTLED, amount_refunded=refunded, **payment)
        return FulfilmentOutcome.REFUNDED
    if not transition(order, OrderStatus.PAID, only_from=UNSETTLED, amount_refunded=refunded, **payment):
        _fill_payment(order, payment)  # e.g. a refund or dispute got here first
        return FulfilmentOutcome.ALREADY
    return _entitle(order)


def _entitle(order: Order) -> FulfilmentOutcome:
    """`order` has just become paid: grant its pack, or find that the user already had it.

    Returns GRANTED, or DUPLICATE_PAYMENT when the pack is already held another way (another
    paid order, a grant, a free add): the order is then marked for an automatic refund. A holder
    whose own duplicate refund is under way gives the pack to this order instead, since of the two
    payments this is the one that stays.
    """
    entitlement, changed = entitlements.grant(user_id=order.user_id, pack_id=order.pack_id,
                                              source="purchase", order_id=order.id)
    if changed or entitlement.order_id == order.id:
        return FulfilmentOutcome.GRANTED
    holder = db.session.get(Order, entitlement.order_id, populate_existing=True) if entitlement.order_id else None
    if refund_due(holder):
        entitlement.order_id = order.id  # its source stays: a purchase, or an operator's grant
        return FulfilmentOutcome.GRANTED
    update_if(order, (OrderStatus.PAID,), refund_reason=RefundReason.DUPLICATE.value)
    log.warning("Order %s paid for pack %s that user %s already had (order %s, source %s): refunding it",
                order.public_id, order.pack_id, order.user_id,
                holder.public_id if holder is not None else None, entitlement.source)
    return FulfilmentOutcome.DUPLICATE_PAYMENT


def apply_session_failed(session: SessionInfo) -> Fulfilment:
    order = order_for_update(public_id=session.client_reference_id)
    if order is None or session.payment_status in SESSION_PAID:
        return Fulfilment(FulfilmentOutcome.IGNORED, order)
    done = transition(order, OrderStatus.FAILED)
    return Fulfilment(FulfilmentOutcome.FAILED if done else FulfilmentOutcome.ALREADY, order)


def apply_session_expired(session: SessionInfo) -> Fulfilment:
    order = order_for_update(public_id=session.client_reference_id)
    if order is None or session.status != "expired":
        return Fulfilment(FulfilmentOutcome.IGNORED, order)
    done = transition(order, OrderStatus.EXPIRED)
    return Fulfilment(FulfilmentOutcome.EXPIRED if done else FulfilmentOutcome.ALREADY, order)


def apply_charge(charge: ChargeInfo, order: Order | None) -> Fulfilment:
    """Record the charge's refunds; a full refund releases what this order granted."""
    if order is None:
        return Fulfilment(FulfilmentOutcome.UNKNOWN, None)
    _fill_payment(order, {"payment_intent_id": charge.payment_intent_id, "charge_id": charge.id,
                          "receipt_url": charge.receipt_url, **_destination_payment(charge)})
    order.amount_refunded = max(order.amount_refunded, charge.amount_refunded)
    order.updated_at = utcnow()
    if not charge.refunded:
        partly = charge.amount_refunded > 0
        return Fulfilment(FulfilmentOutcome.PARTIALLY_REFUNDED if partly else FulfilmentOutcome.NO_REFUND, order)
    if transition(order, OrderStatus.REFUNDED):
        entitlements.release(user_id=order.user_id, pack_id=order.pack_id, order_id=order.id, reason="refunded")
    return Fulfilment(FulfilmentOutcome.REFUNDED, order)


def apply_dispute(dispute: DisputeInfo, order: Order | None) -> Fulfilment:
    """An open or lost dispute releases the pack; one settled in our favour restores it.

    `dispute` must have been read from Stripe after `order` was locked (see webhooks.py): a
    reading taken earlier may predate the dispute's closure and would undo it.
    """
    if order is None:
        return Fulfilment(FulfilmentOutcome.UNKNOWN, None)
    _fill_payment(order, {"payment_intent_id": dispute.payment_intent_id, "charge_id": dispute.charge_id})
    order.updated_at = utcnow()
    if dispute.status in DISPUTE_SETTLED_FOR_US:
        return Fulfilment(_dispute_won(order), order)
    if not transition(order, OrderStatus.DISPUTED):  # already disputed, or refunded
        return Fulfilment(FulfilmentOutcome.ALREADY, order)
    released = entitlements.release(user_id=order.user_id, pack_id=order.pack_id, order_id=order.id,
                                    reason="dispute")
    return Fulfilment(FulfilmentOutcome.MOVED if released == "moved" else FulfilmentOutcome.REVOKED, order)


def _dispute_won(order: Order) -> FulfilmentOutcome:
    """A disputed order is paid again (or refunded, if it was refunded in full meanwhile)."""
    if order.amount_refunded >= order.amount:
        done = transition(order, OrderStatus.REFUNDED, only_from=(OrderStatus.DISPUTED,))
        return FulfilmentOutcome.REFUNDED if done else FulfilmentOutcome.ALREADY
    if not transition(order, OrderStatus.PAID, only_from=(OrderStatus.DISPUTED,)):
        return FulfilmentOutcome.ALREADY
    return _restore(order)


def _restore(order: Order) -> FulfilmentOutcome:
    """A won dispute: the order is paid again. An entitlement an operator revoked stays revoked."""
    entitlement = entitlements.find_entitlement(user_id=order.user_id, pack_id=order.pack_id)
    if entitlement is not None and entitlement.revoked_at is not None \
            and entitlement.revoke_reason not in ("dispute", "refunded"):
        return FulfilmentOutcome.PAID
    outcome = _entitle(order)
    return FulfilmentOutcome.RESTORED if outcome == FulfilmentOutcome.GRANTED else outcome


def _fill_payment(order: Order, values: dict) -> None:
    for name, value in values.items():
        if value and not getattr(order, name):
            setattr(order, name, value)
