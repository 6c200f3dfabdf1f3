"""Buying a pack: start a Stripe Checkout for an order, list a user's orders."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.exceptions import Conflict, InvalidInput, NotForSale, NotFound, PaymentError, UpstreamError
from app.extensions import db
from app.models import Order, Pack, User, utcnow
from app.packs.entitlements import owns
from app.packs.ownership import published_pack
from app.payments.fulfilment import apply_session, apply_session_expired, settle_refund, transition
from app.payments.gateway import CheckoutRequest, get_gateway

log = logging.getLogger(__name__)

CHECKOUT_LIFETIME = timedelta(hours=1)  # Stripe accepts 30 min to 24 h
# A pending order is handed out again only while its Session has time left to pay (otherwise its
# Session is expired at Stripe and a new order made); one whose Session was never created is
# retried only while Stripe would still accept its expires_at.
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

    At most one Session per user and pack can be paid at any time: an older Session that is not
    handed out again (too close to its expiry, or for an old price) is expired at Stripe before a
    new one is created, and if Stripe says it was paid meanwhile, that payment is recorded instead.

    Raises NotFound (unknown pack), InvalidInput (free pack), NotForSale (payments not configured),
    Conflict (already owned, or a payment for it is being processed), UpstreamError/PaymentError (Stripe).
    """
    pack = published_pack(slug)
    if pack.is_free:
        raise InvalidInput(f"{pack.name} is free: add it with POST /api/v1/me/packs/{pack.slug}/add.")
    gateway = get_gateway()
    if gateway is None:
        raise NotForSale(f"{pack.name} is not for sale right now: this server does not take payments.")
    for _attempt in range(3):
        order, stale = _open_order(user=user, pack=pack)
        if order is not None:
            break
        for public_id, session_id in stale:
            _close_checkout(gateway, public_id, session_id)
    else:  # the user keeps opening Sessions elsewhere faster than we close them
        raise Conflict("Another checkout for this pack is being started; please retry.")
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


def _open_order(*, user: User, pack: Pack) -> tuple[Order | None, list[tuple[str, str]]]:
    """Under a per-user lock: the order to hand out (reused or new), or the Sessions to close first.

    Returns (order, []) or (None, [(order public id, Session id), ...]); commits either way.
    Raises Conflict when the user owns the pack or a payment for it is being processed.
    """
    # Serialise checkouts per user: a row lock on PostgreSQL, the write lock on SQLite. Without it
    # two simultaneous clicks could both miss the pending order and create two Sessions.
    db.session.execute(update(User).where(User.id == user.id).values(picker_hidden=User.picker_hidden))
    try:
        if owns(user_id=user.id, pack_id=pack.id):
            raise Conflict(f"You already own {pack.name}.", errcode="ORG.HEXPACK.ALREADY_OWNED")
        now = utcnow()
        open_orders = db.session.scalars(
            select(Order).where(Order.user_id == user.id, Order.pack_id == pack.id,
                                Order.status.in_(("pending", "processing")))
            .order_by(Order.id.desc()).execution_options(populate_existing=True)
        ).all()
        if any(order.status == "processing" for order in open_orders):
            raise Conflict(f"A payment for {pack.name} is being processed. The pack appears in your picker "
                           "as soon as it clears; no new payment is needed.",
                           errcode="ORG.HEXPACK.PAYMENT_PROCESSING")
        reusable, stale = None, []
        for order in open_orders:
            expires = aware(order.checkout_expires_at)
            same_price = (order.amount, order.currency) == (pack.price_amount, pack.currency)
            margin = REUSE_MARGIN if order.checkout_session_id else RECREATE_MARGIN
            if reusable is None and same_price and expires is not None and expires - now > margin:
                reusable = order
            elif order.checkout_session_id:
                stale.append((order.public_id, order.checkout_session_id))  # may still be paid: ask Stripe
            else:
                # No Session was recorded, so nobody was given a URL to pay it (if Stripe made one
                # from a request we gave up on, nobody knows its URL). Compare-and-set: never
                # overwrite a status a webhook wrote meanwhile.
                transition(order, allowed=("pending",), status="expired")
        if stale:
            db.session.commit()
            return None, stale
        if reusable is None:
            reusable = Order(public_id="ord_" + secrets.token_hex(12), user_id=user.id, pack_id=pack.id,
                             amount=pack.price_amount, currency=pack.currency, status="pending",
                             checkout_expires_at=(now + CHECKOUT_LIFETIME).replace(microsecond=0))
            db.session.add(reusable)
        db.session.commit()
        return reusable, []
    except Exception:
        db.session.rollback()
        raise


def _close_checkout(gateway, public_id: str, session_id: str) -> None:
    """Make an older Session unpayable before another is created; record it if it was paid.

    Called with no transaction open. Raises UpstreamError when Stripe cannot confirm that the
    Session is closed: then no new Session is created either.
    """
    db.session.rollback()
    try:
        session = gateway.expire_checkout_session(session_id)
    except NotFound:  # unknown to this Stripe account (keys changed): nobody can pay it here
        log.warning("Order %s: Stripe has no Checkout Session %s; marking it expired", public_id, session_id)
        try:
            order = db.session.scalar(select(Order).where(Order.public_id == public_id))
            transition(order, allowed=("pending",), status="expired")
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return
    try:
        if session.status == "expired":
            apply_session_expired(session)
        elif session.status == "complete":
            result = apply_session(session)  # paid: granted (or a duplicate); unpaid: processing
            log.info("Older Session %s of order %s was completed: %s", session_id, public_id, result.outcome)
        else:
            raise PaymentError("The payment service did not close the previous checkout. Please retry.")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if session.status == "complete":
        try:
            settle_refund(public_id)
        except UpstreamError:  # left due: the next webhook delivery finishes it
            db.session.rollback()


def list_orders(*, user: User) -> list[Order]:
    """The user's orders, newest first, excluding attempts that never reached Stripe."""
    return list(db.session.scalars(
        select(Order).where(Order.user_id == user.id, Order.checkout_session_id.is_not(None))
        .options(selectinload(Order.pack)).order_by(Order.created_at.desc(), Order.id.desc())
    ))
