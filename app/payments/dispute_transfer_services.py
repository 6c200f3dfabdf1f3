"""Disputes on a creator's sale: the platform pays the chargeback (destination charge), so it takes
the creator's share back with a transfer reversal, and transfers it again when the dispute is won.

Called for every delivery of charge.dispute.* (webhooks.py), also repeated ones, with no
transaction open. The dispute is always re-read from Stripe, so duplicated or reordered events
act on its current state: an open or lost dispute is reversed once, a won one restored once (a
dispute won before its `created` event arrived is never reversed). Each move has its own
idempotency key (`dispute-reversal-<dp>`, `dispute-restore-<dp>`) and amount computed from our own
records, and is recorded as a CreatorAdjustment unique per (kind, dispute): nothing moves twice.
"""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.models import CreatorAdjustment, Order
from app.payments.connect_gateway import get_connect_gateway
from app.payments.gateway import get_gateway
from app.payments.orders import DISPUTE_SETTLED_FOR_US
from app.payments.stripe_data import DisputeInfo
from app.sqlhelpers import insert_or_ignore
from app.transactions import transaction

log = logging.getLogger(__name__)
REVERSED, RESTORED = "dispute", "dispute_won"  # CreatorAdjustment.kind


def sync_dispute_transfer(dispute_id: str) -> str:
    """Bring the creator's transfer in line with the dispute's current state; returns what it did."""
    done = "nothing"
    for _step in range(3):  # reverse, then (if it was won meanwhile) restore
        dispute = get_gateway().retrieve_dispute(dispute_id)
        order = _creator_order(dispute)
        db.session.rollback()  # hold no transaction across the Stripe calls
        if order is None:
            return done
        moves = _moves(order["id"], dispute_id)
        if dispute.status in DISPUTE_SETTLED_FOR_US:
            if REVERSED in moves and RESTORED not in moves:
                _restore(order, dispute, moves[REVERSED])
                done = "restored"
            return done
        if REVERSED in moves:
            return done
        _reverse(order, dispute)
        done = "reversed"
    return done


def _creator_order(dispute: DisputeInfo) -> dict | None:
    if not dispute.payment_intent_id:
        return None
    order = db.session.scalar(select(Order).where(Order.payment_intent_id == dispute.payment_intent_id))
    if order is None or not order.transfer_id or not order.destination:
        return None
    return {"id": order.id, "public_id": order.public_id, "transfer_id": order.transfer_id,
            "destination": order.destination, "currency": order.currency,
            "transferred": order.amount - (order.application_fee_amount or 0)}


def _moves(order_pk: int, dispute_id: str) -> dict[str, int]:
    rows = db.session.execute(select(CreatorAdjustment.kind, CreatorAdjustment.creator_amount).where(
        CreatorAdjustment.order_id == order_pk, CreatorAdjustment.source_id == dispute_id))
    return {kind: amount for kind, amount in rows}


def _refund_reversals(order_pk: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(CreatorAdjustment.creator_amount), 0)).where(
        CreatorAdjustment.order_id == order_pk, CreatorAdjustment.kind.like("refund_%"))) or 0


def _reverse(order: dict, dispute: DisputeInfo) -> None:
    """Take the disputed amount back from the creator: at most what they still hold of this sale."""
    amount = max(0, min(dispute.amount, order["transferred"] - _refund_reversals(order["id"])))
    db.session.rollback()
    reversal = None
    if amount:
        reversal = get_connect_gateway().reverse_transfer(
            order["transfer_id"], amount=amount, idempotency_key=f"dispute-reversal-{dispute.id}",
            metadata={"order": order["public_id"], "dispute": dispute.id})
    _record(order, dispute, REVERSED, reversal.amount if reversal else 0, reversal.id if reversal else None,
            "dispute.transfer_reversed")


def _restore(order: dict, dispute: DisputeInfo, reversed_amount: int) -> None:
    """A won dispute: transfer the reversed amount to the creator again."""
    transfer = None
    if reversed_amount:
        transfer = get_connect_gateway().transfer(
            amount=reversed_amount, currency=order["currency"], destination=order["destination"],
            idempotency_key=f"dispute-restore-{dispute.id}",
            metadata={"order": order["public_id"], "dispute": dispute.id})
    _record(order, dispute, RESTORED, -reversed_amount, transfer.id if transfer else None,
            "dispute.transfer_restored")


def _record(order: dict, dispute: DisputeInfo, kind: str, creator_amount: int, stripe_id: str | None,
            action: str) -> None:
    with transaction():
        inserted = insert_or_ignore(CreatorAdjustment, {
            "order_id": order["id"], "kind": kind, "source_id": dispute.id, "amount": dispute.amount,
            "creator_amount": creator_amount, "fee_refunded": 0, "stripe_object_id": stripe_id},
            ["kind", "source_id"])
        if inserted:
            audit.record(audit.STRIPE, action, f"order:{order['public_id']}", dispute=dispute.id,
                         dispute_status=dispute.status, amount=abs(creator_amount), stripe_object=stripe_id,
                         destination=order["destination"])
    log.info("Dispute %s on order %s: %s %s", dispute.id, order["public_id"], action, abs(creator_amount))
