"""What the Stripe gateway sends and returns: plain frozen dataclasses, no stripe import.

The domain (orders.py) and the use cases read these; only gateway.py makes them from Stripe's objects.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from app.exceptions import MalformedEvent


@dataclass(frozen=True)
class CheckoutRequest:
    order_id: str  # our order's public id: client_reference_id and the idempotency key
    pack_slug: str
    pack_name: str
    amount: int  # minor units
    currency: str
    matrix_user_id: str
    success_url: str  # must contain {CHECKOUT_SESSION_ID}
    cancel_url: str
    expires_at: int  # unix time, 30 min to 24 h ahead
    allow_promotion_codes: bool = False
    destination: str | None = None  # a creator's sale: their connected account (a destination charge)
    application_fee_amount: int | None = None  # ...and the platform's fee, minor units


@dataclass(frozen=True)
class CreatedSession:
    id: str
    url: str
    expires_at: int


@dataclass(frozen=True)
class ChargeInfo:
    id: str
    payment_intent_id: str | None
    amount: int
    amount_refunded: int
    refunded: bool  # fully refunded
    currency: str
    receipt_url: str | None
    metadata: dict = field(default_factory=dict)
    # Destination charges only: Stripe's transfer to the creator and the platform's application fee.
    transfer_id: str | None = None
    application_fee_id: str | None = None
    application_fee_amount: int | None = None
    destination: str | None = None


@dataclass(frozen=True)
class SessionInfo:
    id: str
    status: str | None  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    client_reference_id: str | None
    amount_subtotal: int | None
    amount_total: int | None
    amount_discount: int
    currency: str | None
    metadata: dict
    payment_intent_id: str | None
    charge: ChargeInfo | None
    line_items: int | None  # how many line items, when expanded


@dataclass(frozen=True)
class DisputeInfo:
    id: str
    status: str
    charge_id: str | None
    payment_intent_id: str | None
    amount: int


@dataclass(frozen=True)
class RefundInfo:
    id: str | None  # None when Stripe said the charge was already fully refunded
    status: str  # succeeded | pending | requires_action | failed | canceled | already_refunded | refused
    amount: int
    charge: ChargeInfo | None  # the charge after the refund (expanded)
    message: str | None = None  # Stripe's explanation of a refusal (safe to show to an operator)


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    livemode: bool
    object: dict


def webhook_event(payload: str) -> WebhookEvent:
    """A verified webhook body as a WebhookEvent; MalformedEvent for anything we could not process.

    A snapshot event is a JSON object with string `id` and `type` and an object `data.object` that
    has an `id`; a v2 "thin" event (object "v2.core.event") is not one.
    """
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):  # not JSON, or nested too deep
        raise MalformedEvent("The body is not JSON.") from None
    if not isinstance(data, dict) or data.get("object") not in (None, "event"):
        raise MalformedEvent("The body is not a Stripe snapshot event (a JSON object).")
    body = data.get("data")
    obj = body.get("object") if isinstance(body, dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"]:
        raise MalformedEvent("The event has no data.object.id.")
    if not all(isinstance(data.get(key), str) and data[key] for key in ("id", "type")):
        raise MalformedEvent("The event has no id or type.")
    created = data.get("created")
    return WebhookEvent(id=data["id"], type=data["type"], object=obj, livemode=bool(data.get("livemode")),
                        created=created if isinstance(created, int) and not isinstance(created, bool) else 0)
