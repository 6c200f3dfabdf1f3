"""Payments: start a Checkout (widget token), Stripe's webhook (signature), success/cancel pages, orders."""
import re

from flask import current_app, g, jsonify, render_template, request, url_for

from app.auth.request import require_user
from app.exceptions import InvalidInput, NotFound
from app.extensions import limiter
from app.payments.services import (fulfill_checkout, format_money, handle_webhook, list_orders,
                                   start_checkout_returning_here)
from app.web.bodies import body_limit, read_body
from app.web.json_input import json_object
from app.web.policy import PAGE, TOKEN_API, ErrorFormat, PolicyBlueprint, TrustPolicy

bp = PolicyBlueprint("payments", __name__, policy=PAGE)  # the success and cancel pages
api = PolicyBlueprint("payments_api", __name__, policy=TOKEN_API)  # the widget's Bearer-token JSON API
# Authenticated by Stripe-Signature over the raw body; Stripe reads JSON answers.
webhook = PolicyBlueprint("stripe", __name__, policy=TrustPolicy(errors=ErrorFormat.JSON, csrf=False,
                                                                  cache_control="no-store"))
bp.add_app_template_filter(lambda amount, currency: format_money(amount, currency), "money")
# Stripe's Checkout Session ids: cs_test_… / cs_live_… and letters and digits (about 66 characters).
SESSION_ID_RE = re.compile(r"^cs_[A-Za-z0-9_]{1,200}$")
# Stripe's events are a few KiB; anything near this is not one of theirs.
WEBHOOK_MAX_BYTES = 256 * 1024
# Anyone may open the success page; each hit may cost a call to Stripe. Per client address.
success_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_CHECKOUT_SUCCESS"],
                                     scope="checkout_success")


@api.post("/api/v1/checkout")
@require_user
def create_checkout():
    slug = json_object().get("pack")
    if not isinstance(slug, str) or not slug:
        raise InvalidInput('Send JSON {"pack": "<slug>"}.')
    order = start_checkout_returning_here(user=g.user, slug=slug)
    return jsonify(checkout_url=order.checkout_url, order_id=order.public_id)


@webhook.post("/stripe/webhook")
@body_limit(WEBHOOK_MAX_BYTES)  # refused unread, before the signature is checked
def stripe_webhook():
    outcome = handle_webhook(payload=read_body(), signature=request.headers.get("Stripe-Signature"))
    return jsonify(received=True, outcome=outcome)


@bp.get("/checkout/success")
@success_limit
def checkout_success():
    session_id = request.args.get("session_id", "")
    if not SESSION_ID_RE.fullmatch(session_id):
        raise NotFound("Unknown checkout.")
    result = fulfill_checkout(session_id=session_id)
    return render_template("payments/checkout_success.html", result=result, order=result.order)


@bp.get("/checkout/cancel")
def checkout_cancel():
    return render_template("payments/checkout_cancel.html", slug=request.args.get("pack", ""))


@api.get("/api/v1/me/orders")
@require_user
def my_orders():
    return jsonify(orders=[_order_json(order) for order in list_orders(user=g.user)])


def _order_json(order) -> dict:
    return {"id": order.public_id, "pack": {"slug": order.pack.slug, "name": order.pack.name},
            "amount": order.amount, "currency": order.currency, "status": order.status,
            "amount_refunded": order.amount_refunded, "refund_reason": order.refund_reason,
            "receipt_url": order.receipt_url,
            "created_at": order.created_at.isoformat()}
