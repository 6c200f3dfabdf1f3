"""The numbers on the console's overview: sales per currency, and the orders that need an operator.

Sales count the orders whose payment is on record (paid, refunded, disputed) by the day their
checkout started (UTC): `gross` is their list price (a promotion-code discount is not taken off),
`refunds` what was refunded of them, `count` how many there are.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.admin.orders_services import OrderFilters, matching
from app.extensions import db
from app.models import Order
from app.payments.states import RECORDED, OrderStatus, RefundReason

STUCK_PROCESSING_AFTER = timedelta(minutes=30)  # a card clears in seconds; a bank debit may take days


@dataclass(frozen=True)
class CurrencySales:
    currency: str
    gross: int  # minor units
    refunds: int
    count: int


@dataclass(frozen=True)
class SalesWindow:
    label: str
    since: datetime
    sales: list[CurrencySales]  # one per currency sold in, by currency


@dataclass(frozen=True)
class Attention:
    label: str
    explanation: str
    count: int
    filters: OrderFilters  # the orders list that shows them


def _windows(now: datetime) -> list[tuple[str, datetime]]:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [("Today", midnight), ("Last 7 days", now - timedelta(days=7)), ("Last 30 days", now - timedelta(days=30))]


def sales_summary(now: datetime | None = None) -> list[SalesWindow]:
    now = now or datetime.now(timezone.utc)
    windows = []
    for label, since in _windows(now):
        rows = db.session.execute(
            select(Order.currency, func.sum(Order.amount), func.sum(Order.amount_refunded), func.count(Order.id))
            .where(Order.status.in_([str(status) for status in RECORDED]), Order.created_at >= since)
            .group_by(Order.currency).order_by(Order.currency))
        windows.append(SalesWindow(label=label, since=since, sales=[
            CurrencySales(currency=currency, gross=int(gross or 0), refunds=int(refunds or 0), count=count)
            for currency, gross, refunds, count in rows]))
    return windows


def _count(filters: OrderFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(matching(filters).subquery()))


def needs_attention(now: datetime | None = None) -> list[Attention]:
    now = now or datetime.now(timezone.utc)
    cutoff = (now - STUCK_PROCESSING_AFTER).replace(microsecond=0)
    items = [
        ("Stuck in processing", f"Checkout completed more than {STUCK_PROCESSING_AFTER.seconds // 60} minutes ago "
         "and the payment has not cleared (a bank debit can take days; look in the Stripe Dashboard).",
         OrderFilters(status=OrderStatus.PROCESSING.value, until=cutoff)),
        ("Duplicate refunds Stripe refused", "A second payment for a pack the buyer had: Stripe refused the "
         "automatic refund. Refund it from the order's page.",
         OrderFilters(status=OrderStatus.PAID.value, refund=RefundReason.DUPLICATE_FAILED.value)),
        ("Disputes", "Disputed orders (open, or lost): answer them in the Stripe Dashboard.",
         OrderFilters(status=OrderStatus.DISPUTED.value)),
    ]
    return [Attention(label=label, explanation=text, count=_count(filters), filters=filters)
            for label, text, filters in items]
