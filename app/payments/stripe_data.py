"""What the Stripe gateway sends and returns: plain frozen dataclasses, no stripe import.

The domain (orders.py) and the use cases read these; only gateway.py makes them from Stripe's objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    livemode: bool
    object: dict
