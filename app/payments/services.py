"""The payments use cases, in one place for the web layer (payments and store views) to import.

The parts behind it, top down: checkout.py, webhooks.py and refunds.py (use cases: they commit
and call Stripe), orders.py and states.py (what Stripe's state does to an order, and the order
statuses with their allowed transitions: no commits, no Stripe), gateway.py (the only module
that imports stripe).
"""
from app.payments.checkout import fulfill_checkout, list_orders, payments_enabled, start_checkout
from app.payments.money import format_money, minor_unit_digits
from app.payments.webhooks import handle_webhook

__all__ = ["format_money", "fulfill_checkout", "handle_webhook", "list_orders", "minor_unit_digits",
           "payments_enabled", "start_checkout"]
