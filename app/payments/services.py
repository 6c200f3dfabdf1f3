"""The payments use cases, in one place for the web layer (payments and store views) to import.

The parts behind it, top down: checkout.py, webhooks.py and refunds.py (use cases: they commit
and call Stripe), orders.py and states.py (what Stripe's state does to an order, and the order
statuses with their allowed transitions: no commits, no Stripe), gateway.py (the only module
that imports stripe).
"""
from flask import current_app, url_for

from app.models import Order, User
from app.payments.checkout import fulfill_checkout, list_orders, payments_enabled, start_checkout
from app.payments.money import format_money, minor_unit_digits
from app.payments.webhooks import handle_webhook

__all__ = ["format_money", "fulfill_checkout", "handle_webhook", "list_orders", "minor_unit_digits",
           "payments_enabled", "start_checkout", "start_checkout_returning_here"]


def start_checkout_returning_here(*, user: User, slug: str) -> Order:
    """start_checkout with this server's success and cancel pages (the picker and the web store alike)."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return start_checkout(
        user=user, slug=slug,
        # Stripe replaces the literal {CHECKOUT_SESSION_ID}; url_for would escape the braces.
        success_url=base + url_for("payments.checkout_success") + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=base + url_for("payments.checkout_cancel", pack=slug),
    )
