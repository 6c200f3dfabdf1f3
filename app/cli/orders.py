"""flask orders list|show|refund: the console's orders screen for operators without a browser."""
import json

import click

from app.cli.common import exiting_on_app_error


@click.group("orders", help="List and inspect orders; refund one through Stripe.")
def orders_group():
    pass


@orders_group.command("list")
@click.option("--user", help="Only this buyer (a Matrix ID).")
@click.option("--pack", help="Only this pack (slug).")
@click.option("--status", help="Only this status: pending, processing, paid, failed, expired, refunded, disputed.")
@click.option("--since", help="Only orders created at or after this date (2026-12-01) or ISO 8601 time (UTC).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500), help="At most this many.")
def list_command(user, pack, status, since, limit):
    """List orders, newest first: created, order id, status, amount, refunded, buyer, pack."""
    from app.admin.orders_services import as_utc, list_orders, parse_filters
    from app.payments.money import format_money

    with exiting_on_app_error():
        page = list_orders(parse_filters({"user": user, "pack": pack, "status": status, "since": since}), limit=limit)
    for order in page.orders:
        refunded = format_money(order.amount_refunded, order.currency) if order.amount_refunded else "-"
        click.echo(f"{as_utc(order.created_at):%Y-%m-%d %H:%M} {order.public_id:28} {order.status:10} "
                   f"{format_money(order.amount, order.currency):>10} {refunded:>10} {order.user.matrix_id:32} "
                   f"{order.pack.slug}")
    more = " (more: raise --limit or narrow the filters)" if page.next_cursor else ""
    click.echo(f"{len(page.orders)} order(s){more}." if page.orders else "No orders match.")


@orders_group.command("show")
@click.argument("order_id")
def show_command(order_id):
    """Show one order: amounts, Stripe ids, whether it can be refunded, and its history."""
    from app.admin.orders_services import detail_json, order_detail

    with exiting_on_app_error():
        detail = detail_json(order_detail(order_id))
    for name in ("order_id", "status", "user", "pack", "amount_display", "currency", "created_at", "updated_at"):
        click.echo(f"{name:16} {detail[name]}")
    click.echo(f"{'refunded':16} {detail['refund']['amount_refunded']} (reason: {detail['refund']['reason'] or '-'})"
               + (f" “{detail['refund']['admin_reason']}”" if detail["refund"]["admin_reason"] else ""))
    for name, value in detail["stripe"].items():
        click.echo(f"{name:16} {value or '-'}")
    click.echo(f"{'refundable':16} {'yes' if detail['refundable'] else 'no: ' + detail['not_refundable_because']}")
    click.echo("history:")
    for line in detail["history"]:
        click.echo(f"  {line['at']} {line['actor']:24} {line['action']:24} "
                   f"{json.dumps(line['details'], sort_keys=True, separators=(',', ':'))}")


@orders_group.command("refund")
@click.argument("order_id")
@click.option("--reason", required=True, help="Why (kept in the audit log with your OS user as the actor).")
@click.option("--kind", type=click.Choice(["creator", "goodwill"]),
              help="A creator's sale only (required there): creator = the creator's transfer is reversed and the "
                   "platform's fee refunded; goodwill = the platform pays, the creator keeps their share.")
def refund_command(order_id, reason, kind):
    """Refund ORDER_ID in full through Stripe and take the pack back, as the charge.refunded webhook does.

    Safe to run again after a timeout: Stripe is asked with the same idempotency key, so it never
    refunds twice.
    """
    from app.admin.orders_services import refund_order
    from app.audit import cli_actor

    with exiting_on_app_error():
        result = refund_order(order_id, reason=reason, actor=cli_actor(), kind=kind)
    click.echo(f"Refunded {order_id} through Stripe (refund {result.refund_id or 'made earlier'}); "
               f"status {result.status}.")
