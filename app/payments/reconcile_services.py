"""`flask payouts reconcile`: compare the creators' ledger with Stripe's transfers and application
fees. Read only (no commits); one Stripe read per transfer and fee, plus one transfer listing per
connected account to find transfers we never recorded."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from app.exceptions import NotFound, NotForSale
from app.extensions import db
from app.models import CreatorAdjustment, Order
from app.payments.connect_gateway import ConnectGateway, get_connect_gateway

RECORDED = ("paid", "refunded", "disputed")


@dataclass(frozen=True)
class Mismatch:
    subject: str  # order:<public id> or transfer:<id>
    what: str
    ours: object
    stripe: object

    def __str__(self) -> str:
        return f"{self.subject}: {self.what}: ledger {self.ours!r}, Stripe {self.stripe!r}"


def reconcile() -> list[Mismatch]:
    """Every difference between our records of creators' sales and Stripe's, in order."""
    gateway = get_connect_gateway()
    if gateway is None:
        raise NotForSale("Stripe is not configured (STRIPE_SECRET_KEY).")
    sales = list(db.session.scalars(select(Order).where(Order.destination.is_not(None),
                                                        Order.status.in_(RECORDED)).order_by(Order.id)))
    moves = defaultdict(list)
    if sales:
        for adjustment in db.session.scalars(select(CreatorAdjustment).where(
                CreatorAdjustment.order_id.in_([order.id for order in sales]))):
            moves[adjustment.order_id].append(adjustment)
    mismatches, known = [], set()
    for order in sales:
        mismatches += _check_order(gateway, order, moves[order.id], known)
    for destination in sorted({order.destination for order in sales}):
        for transfer in gateway.transfers_to(destination):
            if transfer.id not in known:
                mismatches.append(Mismatch(f"transfer:{transfer.id}", f"transfer to {destination} not in the ledger",
                                           None, transfer.amount - transfer.amount_reversed))
    return mismatches


def _check_order(gateway: ConnectGateway, order: Order, moves: list, known: set) -> list[Mismatch]:
    subject = f"order:{order.public_id}"
    if not order.transfer_id:
        return [Mismatch(subject, "paid but no transfer recorded", None, "?")]
    known.add(order.transfer_id)
    found = []
    reversed_ = sum(m.creator_amount for m in moves if m.kind != "dispute_won")
    found += _check_transfer(gateway, subject, order.transfer_id, order.amount - (order.application_fee_amount or 0),
                             reversed_, order.destination)
    for restore in (m for m in moves if m.kind == "dispute_won" and m.stripe_object_id):
        known.add(restore.stripe_object_id)
        found += _check_transfer(gateway, subject, restore.stripe_object_id, -restore.creator_amount, 0,
                                 order.destination)
    fee_refunded = sum(m.fee_refunded for m in moves)
    if order.application_fee_id:
        fee = gateway.retrieve_fee(order.application_fee_id)
        found += [Mismatch(subject, f"application fee {fee.id} {name}", ours, theirs)
                  for name, ours, theirs in (("amount", order.application_fee_amount, fee.amount),
                                             ("refunded", fee_refunded, fee.amount_refunded)) if ours != theirs]
    elif order.application_fee_amount:
        found.append(Mismatch(subject, "application fee not recorded", order.application_fee_amount, None))
    return found


def _check_transfer(gateway: ConnectGateway, subject: str, transfer_id: str, amount: int, reversed_: int,
                    destination: str) -> list[Mismatch]:
    try:
        transfer = gateway.retrieve_transfer(transfer_id)
    except NotFound:
        return [Mismatch(subject, f"transfer {transfer_id} missing at Stripe", amount, None)]
    checks = (("amount", amount, transfer.amount), ("reversed", reversed_, transfer.amount_reversed),
              ("destination", destination, transfer.destination))
    return [Mismatch(subject, f"transfer {transfer_id} {name}", ours, theirs)
            for name, ours, theirs in checks if ours != theirs]
