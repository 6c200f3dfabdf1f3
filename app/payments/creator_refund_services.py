"""Refunding a creator's sale (a destination charge), for the admin console: a use case that calls
Stripe, then commits. Two kinds:

- creator-attributable (RefundKind.CREATOR): `reverse_transfer=true` and `refund_application_fee=true`,
  so the creator's transfer is reversed and the platform gives its fee back, both in proportion;
- platform goodwill (RefundKind.GOODWILL): neither flag; the platform pays the refund alone.

The kind and the reason go to the audit log with what moved; the money taken back from the
creator is a CreatorAdjustment (their ledger). The idempotency key is made of the order, what was
refunded before and the amount, so a retry after a crash or a double click gets Stripe's same refund.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select

from app import audit
from app.exceptions import Conflict, InvalidInput, NotFound, UpstreamError
from app.extensions import db
from app.models import CreatorAdjustment, Order
from app.payments import orders
from app.payments.connect_gateway import get_connect_gateway
from app.payments.states import OrderStatus, order_for_update
from app.sqlhelpers import insert_or_ignore
from app.transactions import transaction

MAX_REASON = 500


class RefundKind(StrEnum):
    CREATOR = "creator"  # creator-attributable: the creator bears it, the platform refunds its fee
    GOODWILL = "goodwill"  # the platform's goodwill: the creator keeps their share


@dataclass(frozen=True)
class CreatorRefundResult:
    order_id: str  # the order's public id
    refund_id: str
    amount: int  # refunded to the buyer
    reversed_from_creator: int
    fee_refunded: int
    status: str  # the order's status after it


def refund_creator_sale(*, order_id: str, kind: RefundKind | str, reason: str, actor: str,
                        amount: int | None = None) -> CreatorRefundResult:
    """Refund `amount` (default: all that is left) of the creator's sale `order_id` (public id).

    Call with no transaction open. Raises NotFound (no such order), InvalidInput (not a creator's
    sale, bad kind, amount or reason), Conflict (not paid, or nothing left to refund),
    UpstreamError/PaymentError (Stripe). `actor` is the admin's Matrix ID (audit).
    """
    kind = _kind(kind)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(f"Give a reason (1 to {MAX_REASON} characters); it goes to the audit log.")
    order = db.session.scalar(select(Order).where(Order.public_id == order_id)
                              .execution_options(populate_existing=True))
    amount = _checked_amount(order, order_id, amount)
    payment_intent_id, refunded_before = order.payment_intent_id, order.amount_refunded
    fee_before = _fee_refunded_so_far(order.id)
    db.session.rollback()  # hold no transaction across the Stripe call
    gateway = get_connect_gateway()
    if gateway is None:
        raise UpstreamError("Payments are not configured (STRIPE_SECRET_KEY): cannot refund.")
    refund = gateway.refund_creator_sale(
        payment_intent_id=payment_intent_id, amount=amount, creator_pays=kind == RefundKind.CREATOR,
        idempotency_key=f"creator-refund-{order_id}-{refunded_before}-{amount}",
        metadata={"order": order_id, "hexpack_reason": f"admin_{kind.value}"})
    return _record_refund(order_id, kind=kind, reason=reason, actor=actor, refund=refund, fee_before=fee_before)


def _record_refund(order_id: str, *, kind: RefundKind, reason: str, actor: str, refund,
                   fee_before: int) -> CreatorRefundResult:
    """Record what the refund moved (creator adjustment, order state, audit) in one transaction."""
    reversed_amount = refund.transfer_reversal.amount if refund.transfer_reversal else 0
    fee_refunded = max(0, refund.fee_refunded_total - fee_before)
    with transaction():
        locked = order_for_update(public_id=order_id)
        insert_or_ignore(CreatorAdjustment, {
            "order_id": locked.id, "kind": f"refund_{kind.value}", "source_id": refund.id, "amount": refund.amount,
            "creator_amount": reversed_amount, "fee_refunded": fee_refunded,
            "stripe_object_id": refund.transfer_reversal.id if refund.transfer_reversal else None},
            ["kind", "source_id"])
        if refund.charge is not None:
            orders.audit_fulfilment(orders.apply_charge(refund.charge, locked), actor=audit.STRIPE,
                                    via="admin refund")
        audit.record(actor, "order.refund", f"order:{order_id}", kind=kind.value, reason=reason,
                     amount=refund.amount, refund=refund.id, reversed_from_creator=reversed_amount,
                     fee_refunded=fee_refunded, destination=locked.destination)
        status = str(locked.status)
    return CreatorRefundResult(order_id=order_id, refund_id=refund.id, amount=refund.amount,
                               reversed_from_creator=reversed_amount, fee_refunded=fee_refunded, status=status)


def _kind(kind) -> RefundKind:
    try:
        return RefundKind(kind)
    except ValueError:
        raise InvalidInput('The refund kind is "creator" (creator-attributable) or "goodwill".') from None


def _checked_amount(order: Order | None, order_id: str, amount: int | None) -> int:
    if order is None:
        raise NotFound(f"No order {order_id}.")
    if not order.destination or not order.payment_intent_id:
        raise InvalidInput(f"Order {order_id} is not a creator's sale: refund it as an ordinary order.")
    if order.status != OrderStatus.PAID:
        raise Conflict(f"Order {order_id} is {order.status}: only a paid order can be refunded.")
    left = order.amount - order.amount_refunded
    if left <= 0:
        raise Conflict(f"Order {order_id} has been refunded in full already.")
    if amount is None:
        return left
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= left:
        raise InvalidInput(f"The amount is a whole number of minor units from 1 to {left}.")
    return amount


def _fee_refunded_so_far(order_pk: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(CreatorAdjustment.fee_refunded), 0))
                             .where(CreatorAdjustment.order_id == order_pk)) or 0
