"""Order states and the moves between them. Nothing here commits or talks to Stripe.

    pending -> processing (a delayed payment method) -> paid | failed | expired
    paid -> refunded (full refund) | disputed;  disputed -> paid (dispute won) | refunded

A refund or dispute may arrive before the completion: an unsettled order (pending, processing,
failed, expired) then goes straight to refunded/disputed, and a failed or expired order can still
be paid (Stripe's word wins). `refunded` is final. TRANSITIONS is the whole table; every status
change goes through `transition`, a compare-and-set UPDATE on the order row, so two deliveries
racing on one order cannot both make the same move.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Iterable

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Order, utcnow


class OrderStatus(StrEnum):
    PENDING = "pending"  # a Checkout Session is (or is about to be) open
    PROCESSING = "processing"  # completed with a delayed method: waiting for the money
    PAID = "paid"
    FAILED = "failed"  # the delayed payment failed
    EXPIRED = "expired"  # the Session expired unpaid, or was closed before a new one
    REFUNDED = "refunded"  # fully refunded
    DISPUTED = "disputed"  # a dispute is open, or was lost


class RefundReason(StrEnum):
    """Order.refund_reason: why we refund an order ourselves."""

    DUPLICATE = "duplicate"  # paid for a pack the user already had: refunded automatically
    DUPLICATE_FAILED = "duplicate_failed"  # Stripe refused that refund for good: an operator must look
    ADMIN = "admin"  # an operator refunded it (app/admin/refund_services.py); their reason is in the audit log


class FulfilmentOutcome(StrEnum):
    """What applying Stripe's state to an order did; webhook answers and the success page show it."""

    GRANTED = "granted"  # paid: the pack is the user's
    ALREADY = "already"  # nothing left to do: an earlier delivery or another path did it
    PROCESSING = "processing"  # completed, the delayed payment has not cleared
    NOT_PAID = "not_paid"
    REFUSED = "refused"  # the Session does not match its order (amount, currency...): logged
    UNKNOWN = "unknown"  # not one of our orders
    IGNORED = "ignored"  # an event type or mode we do not act on
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    NO_REFUND = "no_refund"
    REVOKED = "revoked"  # a dispute took the pack away
    MOVED = "moved"  # a dispute: another paid order of the user carries the pack now
    RESTORED = "restored"  # a won dispute gave the pack back
    PAID = "paid"  # a won dispute: paid again, but an operator's revocation stands
    DUPLICATE_PAYMENT = "duplicate_payment"  # paid for a pack already held: refund due
    DUPLICATE_REFUNDED = "duplicate_refunded"  # that refund is made
    REFUND_REFUSED = "refund_refused"  # Stripe refused that refund for good
    DUPLICATE_EVENT = "duplicate"  # a webhook event processed before


S = OrderStatus
UNSETTLED = frozenset({S.PENDING, S.PROCESSING, S.FAILED, S.EXPIRED})  # a completion may still pay these
RECORDED = frozenset({S.PAID, S.REFUNDED, S.DISPUTED})  # the payment itself is on record
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.PROCESSING, S.PAID, S.FAILED, S.EXPIRED, S.REFUNDED, S.DISPUTED}),
    S.PROCESSING: frozenset({S.PAID, S.FAILED, S.REFUNDED, S.DISPUTED}),
    S.FAILED: frozenset({S.PAID, S.REFUNDED, S.DISPUTED}),
    S.EXPIRED: frozenset({S.PAID, S.REFUNDED, S.DISPUTED}),
    S.PAID: frozenset({S.REFUNDED, S.DISPUTED}),
    S.DISPUTED: frozenset({S.PAID, S.REFUNDED}),
    S.REFUNDED: frozenset(),
}


# Order's attribute name -> its column, for refreshing an order from an UPDATE's RETURNING row.
_ORDER_COLUMNS = {attribute.key: attribute.columns[0] for attribute in inspect(Order).column_attrs}


class IllegalTransition(ValueError):
    """A move the table does not allow was asked for: a programming error, not a race."""


def can_transition(source: str, target: str) -> bool:
    return OrderStatus(target) in TRANSITIONS[OrderStatus(source)]


def sources_of(target: OrderStatus) -> frozenset[OrderStatus]:
    """Every status from which an order may move to `target`."""
    return frozenset(source for source, targets in TRANSITIONS.items() if target in targets)


def transition(order: Order, target: OrderStatus, *, only_from: Iterable[OrderStatus] | None = None,
               **values) -> bool:
    """Move `order` to `target` if its row's status still allows it; True if this call did it.

    `only_from` narrows the table's sources for this move (e.g. a completion pays only unsettled
    orders, never a disputed one); asking for a move the table lacks raises IllegalTransition.
    """
    allowed = sources_of(target)
    if only_from is not None:
        wanted = frozenset(OrderStatus(status) for status in only_from)
        if not wanted <= allowed:
            raise IllegalTransition(f"{sorted(wanted - allowed)} -> {target} is not an order transition")
        allowed = wanted
    return update_if(order, allowed, status=target, **values)


def update_if(order: Order, statuses: Iterable[OrderStatus], **values) -> bool:
    """UPDATE the order only if its status is still one of `statuses`; True if this call did it."""
    # RETURNING every column refreshes `order` in the same round trip. Set as committed values, not
    # loaded with populate_existing, which would also unload the buyer and pack that
    # order_for_update joined in (each then costs a SELECT for the audit line). A refused move
    # re-reads the order, as the row may have moved under us.
    row = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.in_([str(status) for status in statuses]))
        .values(updated_at=utcnow(), **values).returning(*_ORDER_COLUMNS.values())
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        db.session.refresh(order)
        return False
    for key, column in _ORDER_COLUMNS.items():
        set_committed_value(order, key, row._mapping[column])
    return True


def order_for_update(*, public_id: str | None) -> Order | None:
    """The order, row-locked until the transaction ends (SELECT ... FOR UPDATE on PostgreSQL)."""
    if not public_id:
        return None
    # The buyer and the pack come in the same query: every fulfilment's audit line names them.
    return db.session.scalar(select(Order).where(Order.public_id == public_id).with_for_update(of=Order)
                             .options(joinedload(Order.user, innerjoin=True), joinedload(Order.pack, innerjoin=True))
                             .execution_options(populate_existing=True))
