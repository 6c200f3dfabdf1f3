"""A creator's ledger: their sales per pack and month, with the platform fee, refunds, disputes and
net. Read only; amounts are minor units of each row's currency.

gross = prices of the sales; fee = platform fees kept (minus fees refunded); refunds = what
creator-attributable refunds took from the creator's side (transfer reversed + fee refunded, i.e.
the amount refunded to the buyer); disputes = dispute reversals minus won-back transfers;
net = gross - fee - refunds - disputes = what Stripe transferred to them, net of reversals.
A sale counts in the month it was made, an adjustment in the month it happened.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import CreatorAdjustment, Order, Pack

SOLD = ("paid", "refunded", "disputed")  # OrderStatus values whose payment is on record
COLUMNS = ("sales", "gross", "fee", "refunds", "disputes", "net")


def creator_sales(*, creator_id: int) -> list[Order]:
    """The creator's recorded sales (destination charges of their packs)."""
    return list(db.session.scalars(
        select(Order).join(Pack, Order.pack_id == Pack.id)
        .where(Pack.creator_id == creator_id, Order.destination.is_not(None), Order.status.in_(SOLD))
        .options(selectinload(Order.pack)).order_by(Order.id)))


def ledger(*, creator_id: int) -> dict:
    """{"rows": [{pack, month, currency, sales, gross, fee, refunds, disputes, net}], "totals": [...]}"""
    sales = creator_sales(creator_id=creator_id)
    rows: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for order in sales:
        row = rows[(order.pack.slug, order.pack.name, f"{order.created_at:%Y-%m}", order.currency)]
        row["sales"] += 1
        row["gross"] += order.amount
        row["fee"] += order.application_fee_amount or 0
    by_id = {order.id: order for order in sales}
    adjustments = db.session.scalars(select(CreatorAdjustment).where(CreatorAdjustment.order_id.in_(by_id))) \
        if by_id else []
    for adjustment in adjustments:
        order = by_id[adjustment.order_id]
        row = rows[(order.pack.slug, order.pack.name, f"{adjustment.created_at:%Y-%m}", order.currency)]
        row["fee"] -= adjustment.fee_refunded
        if adjustment.kind.startswith("refund_"):
            row["refunds"] += adjustment.creator_amount + adjustment.fee_refunded
        else:
            row["disputes"] += adjustment.creator_amount
    out, totals = [], defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for (slug, name, month, currency), row in sorted(rows.items(), key=lambda item: (item[0][2], item[0][0])):
        row["net"] = row["gross"] - row["fee"] - row["refunds"] - row["disputes"]
        out.append({"pack": {"slug": slug, "name": name}, "month": month, "currency": currency, **row})
        for column in COLUMNS:
            totals[currency][column] += row[column]
    return {"rows": out, "totals": [{"currency": currency, **values} for currency, values in sorted(totals.items())]}
