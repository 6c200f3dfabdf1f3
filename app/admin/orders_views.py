"""Admin console: orders (pages under /admin/orders, JSON under /api/v1/admin/orders).

Pages: the filtered list (with keyset pagination), one order with its Stripe ids, history and a
refund form, and the filtered list as CSV. The JSON API mirrors them for scripts.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from flask import Response, flash, g, jsonify, redirect, render_template, request, stream_with_context, url_for

from app.admin import orders_services as orders
from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_api, admin_page
from app.exceptions import AppError, InvalidInput
from app.payments.money import format_money, minor_unit_digits
from app.web.json_input import json_object
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin_orders", __name__, policy=ADMIN_PAGE)
api = PolicyBlueprint("admin_orders_api", __name__, policy=ADMIN_API)
blueprints = (bp, api)

CSV_COLUMNS = ("order_id", "created_at", "user", "pack", "status", "amount", "currency", "amount_refunded",
               "refund_reason", "checkout_session", "payment_intent", "charge")
FORM_FIELDS = ("user", "pack", "status", "from", "to")  # what the list's filter form shows
LINK_ONLY_FIELDS = ("refund", "since", "until")  # filters the overview's links add
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


def _limit() -> int:
    raw = request.args.get("limit") or str(orders.PAGE_SIZE)
    if not raw.isdigit() or not 1 <= int(raw) <= orders.MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be a number from 1 to {orders.MAX_PAGE_SIZE}.")
    return int(raw)


# --- JSON API ---------------------------------------------------------------------------------------
@api.get("/api/v1/admin/orders")
@admin_api
def api_list():
    page = orders.list_orders(orders.parse_filters(request.args), cursor=request.args.get("cursor"), limit=_limit())
    body = {"orders": [orders.order_summary(order) for order in page.orders]}
    if page.next_cursor:
        body["next"] = page.next_cursor
    return jsonify(body)


@api.get("/api/v1/admin/orders/<order_id>")
@admin_api
def api_detail(order_id: str):
    return jsonify(orders.detail_json(orders.order_detail(order_id)))


@api.post("/api/v1/admin/orders/<order_id>/refund")
@admin_api
def api_refund(order_id: str):
    body = json_object()
    result = orders.refund_order(order_id, reason=body.get("reason"), actor=g.admin.matrix_id,
                                 kind=body.get("kind"))
    return jsonify({"refund": {"id": result.refund_id, "amount_refunded": result.amount_refunded,
                               "status": result.status},
                    "order": orders.detail_json(orders.order_detail(order_id))})


# --- Console pages ----------------------------------------------------------------------------------
@bp.get("/admin/orders")
@admin_page
def order_list():
    shown = {"args": request.args, "statuses": orders.STATUSES, "money": format_money, "utc": orders.as_utc,
             "form_args": {name: request.args[name] for name in FORM_FIELDS if request.args.get(name)},
             "link_args": {name: request.args[name] for name in FORM_FIELDS + LINK_ONLY_FIELDS
                           if request.args.get(name)}}
    try:
        filters = orders.parse_filters(request.args)
        page = orders.list_orders(filters, cursor=request.args.get("cursor"))
    except InvalidInput as error:
        return render_template("admin/orders.html", filters=orders.OrderFilters(), page=None, error=error.message,
                               **shown), 400
    return render_template("admin/orders.html", filters=filters, page=page, error=None, **shown)


@bp.get("/admin/orders/<order_id>")
@admin_page
def order_page(order_id: str):
    return _order_page(order_id)


def _order_page(order_id: str, *, reason: str = "", error: str | None = None, status: int = 200):
    """The order's page; after a refused refund, with the error and the reason as typed (nothing lost)."""
    detail = orders.order_detail(order_id)
    return render_template("admin/order.html", detail=detail, order=detail.order, money=format_money,
                           utc=orders.as_utc, max_reason=orders.MAX_REASON, reason=reason,
                           creator_kinds=orders.CREATOR_KINDS, kind=request.form.get("kind", ""), refund_error=error), status


@bp.post("/admin/orders/<order_id>/refund")
@admin_page
def refund_form(order_id: str):
    reason = request.form.get("reason") or ""
    if request.form.get("confirm") != "yes":
        return _order_page(order_id, reason=reason, status=400,
                           error="Tick “Yes, refund this order” to confirm; nothing was refunded.")
    try:
        result = orders.refund_order(order_id, reason=reason, actor=g.admin.matrix_id,
                                     kind=request.form.get("kind") or None)
    except AppError as error:
        return _order_page(order_id, reason=reason, error=f"Not refunded: {error.message}", status=error.status)
    made = f"refund {result.refund_id}" if result.refund_id else "it was already refunded there"
    flash(f"Refunded through Stripe ({made}). The buyer's pack was released, unless another paid order of "
          f"theirs pays for it.", "success")
    return redirect(url_for("admin_orders.order_page", order_id=order_id), 303)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_row(row: tuple) -> list[str]:
    public_id, created_at, user, pack, status, amount, currency, refunded, *rest = row
    places = minor_unit_digits(currency)
    values = [public_id, created_at, user, pack, status, _amount(amount, places), currency, _amount(refunded, places),
              *rest]
    return [_cell(value) for value in values]


def _amount(minor: int, places: int) -> str:
    """Minor units as a plain decimal a spreadsheet reads as a number: 1999 usd -> 19.99, 500 jpy -> 500."""
    if not places:
        return str(minor)
    unit = 10 ** places
    return f"{minor // unit}.{minor % unit:0{places}d}"


def _csv_lines(filters: orders.OrderFilters):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in orders.export_rows(filters):
        writer.writerow(_csv_row(row))
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/admin/orders.csv")
@admin_page
def order_csv():
    filters = orders.parse_filters(request.args)  # InvalidInput: a 400 before anything is sent
    name = f"hexpack-orders-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(_csv_lines(filters)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})
