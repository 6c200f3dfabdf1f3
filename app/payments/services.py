"""Buying a pack: start a Stripe Checkout for an order, list a user's orders."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.exceptions import Conflict, InvalidInput, NotForSale
from app.extensions import db
from app.models import Order, Pack, User, utcnow
from app.packs.entitlements import owns
from app.packs.ownership import published_pack
from app.payments.gateway import CheckoutRequest, get_gateway

log = logging.getLogger(__name__)

CHECKOUT_LIFETIME = timedelta(hours=1)  # Stripe accepts 30 min to 24 h
# A pending order is handed out again only while its Session has time left to pay; one whose
# Session was never created is retried only while Stripe would still accept its expires_at.
REUSE_MARGIN = timedelta(minutes=5)
RECREATE_MARGIN = timedelta(minutes=31)


def payments_enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def start_checkout(*, user: User, slug: str, success_url: str, cancel_url: str) -> Order:
    """Return a pending order with a Checkout URL for `slug`, reusing the user's open one.

    Raises NotFound (unknown pack), InvalidInput (free pack), NotForSale (payments not configured),
    Conflict (already owned), UpstreamError/PaymentError (Stripe).
    """
    pack = published_pack(slug)
    if pack.is_free:
        raise InvalidInput(f"{pack.name} is free: add it with POST /api/v1/me/packs/{pack.slug}/add.")
    gateway = get_gateway()
    if gateway is None:
        raise NotForSale(f"{pack.name} is not for sale right now: this server does not take payments.")
    if owns(user_id=user.id, pack_id=pack.id):
        raise Conflict(f"You already own {pack.name}.", errcode="ORG.HEXPACK.ALREADY_OWNED")
    order = _open_order(user=user, pack=pack)
    if order.checkout_url:
        return order
    created = gateway.create_checkout_session(CheckoutRequest(
        order_id=order.public_id, pack_slug=pack.slug, pack_name=pack.name, amount=order.amount,
        currency=order.currency, matrix_user_id=user.matrix_id, success_url=success_url,
        cancel_url=cancel_url, expires_at=int(aware(order.checkout_expires_at).timestamp()),
        allow_promotion_codes=bool(current_app.config.get("STRIPE_ALLOW_PROMOTION_CODES")),
    ))
    # A concurrent click made the same call with the same idempotency key, so the same Session.
    db.session.execute(update(Order).where(Order.id == order.id).values(
        checkout_session_id=created.id, checkout_url=created.url, updated_at=utcnow()))
    db.session.commit()
    return db.session.get(Order, order.id, populate_existing=True)


def _open_order(*, user: User, pack: Pack) -> Order:
    """The user's reusable pending order for `pack`, or a new one; committed before Stripe is called."""
    # Serialise checkouts per user: a row lock on PostgreSQL, the write lock on SQLite. Without it
    # two simultaneous clicks could both miss the pending order and create two Sessions.
    db.session.execute(update(User).where(User.id == user.id).values(picker_hidden=User.picker_hidden))
    now = utcnow()
    pending = db.session.scalars(
        select(Order).where(Order.user_id == user.id, Order.pack_id == pack.id, Order.status == "pending")
        .order_by(Order.id.desc())
    ).all()
    reusable = None
    for order in pending:
        expires = aware(order.checkout_expires_at)
        margin = REUSE_MARGIN if order.checkout_url else RECREATE_MARGIN
        fresh = expires is not None and expires - now > margin
        if reusable is None and fresh and (order.amount, order.currency) == (pack.price_amount, pack.currency):
            reusable = order
        elif expires is not None and expires <= now:
            order.status = "expired"  # its Session can no longer be paid; Stripe's event may follow
    if reusable is None:
        reusable = Order(public_id="ord_" + secrets.token_hex(12), user_id=user.id, pack_id=pack.id,
                         amount=pack.price_amount, currency=pack.currency, status="pending",
                         checkout_expires_at=(now + CHECKOUT_LIFETIME).replace(microsecond=0))
        db.session.add(reusable)
    db.session.commit()
    return reusable


def list_orders(*, user: User) -> list[Order]:
    """The user's orders, newest first, excluding attempts that never reached Stripe."""
    return list(db.session.scalars(
        select(Order).where(Order.user_id == user.id, Order.checkout_session_id.is_not(None))
        .options(selectinload(Order.pack)).order_by(Order.created_at.desc(), Order.id.desc())
    ))
