"""Orders for operators: find them (filters, newest first, keyset pages), read one with its history,
export them. Shared by the console, the JSON API and `flask orders`; refunds are refund_services.py.

Pages are keyset pages on the order id (newest first): the cursor is the last id shown, so a page
costs the same on the first page and the thousandth, and orders arriving meanwhile shift nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator, Mapping

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.admin.refund_services import CREATOR_KINDS, MAX_REASON, RefundResult, refund_order, refund_refusal  # noqa: F401 (re-exported)
from app.exceptions import InvalidInput, NotFound
from app.extensions import db
from app.models import AuditEvent, Order, Pack, User
from app.payments.money import format_money
from app.payments.states import OrderStatus, RefundReason

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
EXPORT_BATCH = 2000
HISTORY_LIMIT = 500
STATUSES = tuple(status.value for status in OrderStatus)
REFUND_REASONS = tuple(reason.value for reason in RefundReason)


@dataclass(frozen=True)
class OrderFilters:
    user: str | None = None  # a Matrix ID, exactly
    pack: str | None = None  # a pack slug, exactly
    status: str | None = None  # an OrderStatus value
    refund: str | None = None  # a RefundReason value (Order.refund_reason)
    since: datetime | None = None  # created at or after (UTC)
    until: datetime | None = None  # created before (UTC)

    def query_args(self) -> dict[str, str]:
        """These filters as query-string arguments (for links and the next page)."""
        values = {"user": self.user, "pack": self.pack, "status": self.status, "refund": self.refund,
                  "since": _iso(self.since), "until": _iso(self.until)}
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_cursor: str | None  # pass as `cursor` for the next (older) page; None on the last page


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    history: list[AuditEvent]  # the audit lines about the order, oldest first
    refusal: str | None  # why it cannot be refunded; None if it can
    admin_reason: str | None  # the reason an operator gave for refunding it


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def parse_time(text: str | None, name: str, *, end_of_day: bool = False) -> datetime | None:
    """`2026-12-01` (midnight UTC, or the next midnight with end_of_day) or an ISO 8601 time."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end_of_day else 0)
            return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-12-01 or an ISO 8601 time like "
                           f"2026-12-01T09:30:00Z, not {text[:40]!r}.") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _choice(args: Mapping, name: str, allowed: tuple[str, ...]) -> str | None:
    value = (args.get(name) or "").strip()
    if value and value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(allowed)}; not {value[:40]!r}.")
    return value or None


def parse_filters(args: Mapping) -> OrderFilters:
    """Filters from query arguments: user, pack, status, refund, since/until (or the console's
    from/to dates, `to` included). InvalidInput names the argument that is wrong."""
    since = parse_time(args.get("since"), "since") or parse_time(args.get("from"), "from")
    until = parse_time(args.get("until"), "until") or parse_time(args.get("to"), "to", end_of_day=True)
    return OrderFilters(user=(args.get("user") or "").strip() or None, pack=(args.get("pack") or "").strip() or None,
                        status=_choice(args, "status", STATUSES), refund=_choice(args, "refund", REFUND_REASONS),
                        since=since, until=until)


def matching(filters: OrderFilters, query=None):
    """`query` (default: SELECT of the orders) narrowed to the orders that match `filters`."""
    query = select(Order) if query is None else query
    if filters.user:
        query = query.where(Order.user_id == select(User.id).where(User.matrix_id == filters.user).scalar_subquery())
    if filters.pack:
        query = query.where(Order.pack_id == select(Pack.id).where(Pack.slug == filters.pack).scalar_subquery())
    for column, value in ((Order.status, filters.status), (Order.refund_reason, filters.refund)):
        if value:
            query = query.where(column == value)
    if filters.since:
        query = query.where(Order.created_at >= filters.since)
    if filters.until:
        query = query.where(Order.created_at < filters.until)
    return query


def parse_cursor(cursor: str | None) -> int | None:
    cursor = (cursor or "").strip()
    if not cursor:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise InvalidInput("cursor must be the `next` value of an earlier page.")
    return int(cursor)


def list_orders(filters: OrderFilters, *, cursor: str | None = None, limit: int | None = None) -> OrderPage:
    """One page of matching orders (PAGE_SIZE unless `limit` says), newest first."""
    limit = max(1, min(int(limit or PAGE_SIZE), MAX_PAGE_SIZE))
    query = matching(filters)
    before = parse_cursor(cursor)
    if before is not None:
        query = query.where(Order.id < before)
    rows = list(db.session.scalars(query.options(joinedload(Order.user), joinedload(Order.pack))
                                   .order_by(Order.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return OrderPage(orders=rows, next_cursor=str(rows[-1].id) if more else None)


EXPORT_COLUMNS = (Order.public_id, Order.created_at, User.matrix_id, Pack.slug, Order.status, Order.amount,
                  Order.currency, Order.amount_refunded, Order.refund_reason, Order.checkout_session_id,
                  Order.payment_intent_id, Order.charge_id)


def export_rows(filters: OrderFilters) -> Iterator[tuple]:
    """Every matching order as a row of EXPORT_COLUMNS, newest first, read in keyset batches: plain
    rows rather than ORM objects, and never more than one batch in memory, however many orders."""
    query = matching(filters, select(Order.id, *EXPORT_COLUMNS).join(User, User.id == Order.user_id)
                     .join(Pack, Pack.id == Order.pack_id))
    before = None
    while True:
        batch = query if before is None else query.where(Order.id < before)
        rows = db.session.execute(batch.order_by(Order.id.desc()).limit(EXPORT_BATCH)).all()
        for row in rows:
            yield (*row[1:2], _iso(as_utc(row[2])), *row[3:])
        if len(rows) < EXPORT_BATCH:
            return
        before = rows[-1][0]


def find_order(public_id: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.public_id == public_id)
                              .options(joinedload(Order.user), joinedload(Order.pack)))
    if order is None:
        raise NotFound(f"There is no order {public_id[:60]!r}. Check the id (it starts with ord_).")
    return order


def order_detail(public_id: str) -> OrderDetail:
    """The order, its audit history (webhook lines name their Stripe event) and whether it can be refunded."""
    order = find_order(public_id)
    history = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.target == f"order:{order.public_id}")
        .order_by(AuditEvent.at, AuditEvent.id).limit(HISTORY_LIMIT)))
    requests = [line for line in history if line.action == "order.refund_requested"]
    reason = requests[-1].details.get("reason") if requests and order.refund_reason == RefundReason.ADMIN else None
    return OrderDetail(order=order, history=history, refusal=refund_refusal(order), admin_reason=reason)


def order_summary(order: Order) -> dict:
    """An order as the JSON API and the CSV export show it."""
    return {
        "order_id": order.public_id,
        "user": order.user.matrix_id,
        "pack": order.pack.slug,
        "amount": order.amount,
        "currency": order.currency,
        "amount_display": format_money(order.amount, order.currency),
        "status": order.status,
        "created_at": _iso(as_utc(order.created_at)),
        "refund": {"amount_refunded": order.amount_refunded, "reason": order.refund_reason},
    }


def detail_json(detail: OrderDetail) -> dict:
    order = detail.order
    return {
        **order_summary(order),
        "updated_at": _iso(as_utc(order.updated_at)),
        "refund": {"amount_refunded": order.amount_refunded, "reason": order.refund_reason,
                   "admin_reason": detail.admin_reason},
        "stripe": {"checkout_session": order.checkout_session_id, "payment_intent": order.payment_intent_id,
                   "charge": order.charge_id, "receipt_url": order.receipt_url},
        "refundable": detail.refusal is None,
        "not_refundable_because": detail.refusal,
        "history": [{"at": _iso(as_utc(line.at)), "actor": line.actor, "action": line.action,
                     "details": line.details} for line in detail.history],
    }


def as_utc(value: datetime | None) -> datetime | None:
    """In UTC: SQLite hands back naive datetimes (stored as UTC), PostgreSQL its session's zone."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
