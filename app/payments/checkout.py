"""Buying a pack: start a Stripe Checkout for an order, fulfil it from the success page, list orders.

Use cases: each commits through transaction() and holds no transaction across a Stripe call.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app import audit
from app.exceptions import Conflict, InvalidInput, NotForSale, NotFound, PaymentError
from app.extensions import db
from app.models import Order, Pack, User, utcnow
from app.packs.entitlements import owns
from app.packs.ownership import published_pack
from app.payments.gateway import StripeGateway, get_gateway
from app.payments.payouts import platform_fee, sale_destination
from app.payments.orders import (Fulfilment, apply_session, apply_session_expired, audit_fulfilment,
                                 refund_due)
from app.payments.refunds import settle_refund_or_leave_due
from app.payments.states import RECORDED, FulfilmentOutcome, OrderStatus, transition
from app.payments.stripe_data import CheckoutRequest
from app.transactions import transaction

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

    A creator's pack is a destination charge to their connected account, with the platform fee.

    Raises NotFound (unknown pack), InvalidInput (free pack), NotForSale (payments not configured, or
    the pack's creator cannot be paid right now: ORG.HEXPACK.CREATOR_NOT_PAYABLE), Conflict (already owned, or a payment for it is being processed), UpstreamError/PaymentError (Stripe).
    """
    pack = published_pack(slug)
    if pack.is_free:
        raise InvalidInput(f"{pack.name} is free: add it with POST /api/v1/me/packs/{pack.slug}/add.")
    gateway = get_gateway()
    if gateway is None:
        raise NotForSale(f"{pack.name} is not for sale right now: this server does not take payments.")
    destination = sale_destination(pack)
    for _attempt in range(3):
        order, stale = _open_order(user=user, pack=pack, destination=destination)
        if order is not None:
            break
        for public_id, session_id in stale:
            _close_checkout(gateway, public_id, session_id)
    else:  # the user keeps opening Sessions elsewhere faster than we close them
        raise Conflict("Another checkout for this pack is being started; please retry.")
    if order.checkout_url:
        return order
    request = CheckoutRequest(
        order_id=order.public_id, pack_slug=pack.slug, pack_name=pack.name, amount=order.amount,
        currency=order.currency, matrix_user_id=user.matrix_id, success_url=success_url,
        cancel_url=cancel_url, expires_at=int(aware(order.checkout_expires_at).timestamp()),
        allow_promotion_codes=bool(current_app.config.get("STRIPE_ALLOW_PROMOTION_CODES")),
        destination=order.destination, application_fee_amount=order.application_fee_amount)
    return _attach_session(gateway, order.id, request)


def _attach_session(gateway: StripeGateway, order_id: int, request: CheckoutRequest) -> Order:
    """Create the order's Checkout Session at Stripe and record it on the order."""
    db.session.rollback()  # a read only: hold no transaction across the Stripe call
    created = gateway.create_checkout_session(request)
    with transaction():
        # A concurrent click made the same call with the same idempotency key, so the same Session.
        db.session.execute(update(Order).where(Order.id == order_id).values(
            checkout_session_id=created.id, checkout_url=created.url, updated_at=utcnow()))
    return db.session.get(Order, order_id, populate_existing=True)


def _open_order(*, user: User, pack: Pack, destination: str | None) -> tuple[Order | None, list[tuple[str, str]]]:
    """Under a per-user lock: the order to hand out (reused or new), or the Sessions to close first.

    Returns (order, []) or (None, [(order public id, Session id), ...]); commits either way.
    Raises Conflict when the user owns the pack or a payment for it is being processed.
    """
    with transaction():
        # Serialise checkouts per user: a row lock on PostgreSQL, the write lock on SQLite. Without it
        # two simultaneous clicks could both miss the pending order and create two Sessions.
        db.session.execute(update(User).where(User.id == user.id).values(picker_hidden=User.picker_hidden))
        if owns(user_id=user.id, pack_id=pack.id):
            raise Conflict(f"You already own {pack.name}.", errcode="ORG.HEXPACK.ALREADY_OWNED")
        now = utcnow()
        reusable, stale = _sort_open_orders(_open_orders(user=user, pack=pack), pack=pack, now=now,
                                            destination=destination)
        if stale:
            return None, stale
        if reusable is None:
            reusable = Order(public_id="ord_" + secrets.token_hex(12), user_id=user.id, pack_id=pack.id,
                             amount=pack.price_amount, currency=pack.currency, status=OrderStatus.PENDING.value,
                             checkout_expires_at=(now + CHECKOUT_LIFETIME).replace(microsecond=0),
                             destination=destination, application_fee_amount=_fee(pack) if destination else None)
            db.session.add(reusable)
    return reusable, []


def _open_orders(*, user: User, pack: Pack) -> list[Order]:
    """The user's pending orders for `pack`, newest first; Conflict if a payment is being processed."""
    open_orders = db.session.scalars(
        select(Order).where(Order.user_id == user.id, Order.pack_id == pack.id,
                            Order.status.in_((OrderStatus.PENDING.value, OrderStatus.PROCESSING.value)))
        .order_by(Order.id.desc()).execution_options(populate_existing=True)
    ).all()
    if any(order.status == OrderStatus.PROCESSING for order in open_orders):
        raise Conflict(f"A payment for {pack.name} is being processed. The pack appears in your picker "
                       "as soon as it clears; no new payment is needed.",
                       errcode="ORG.HEXPACK.PAYMENT_PROCESSING")
    return list(open_orders)


def _fee(pack: Pack) -> int:
    config = current_app.config
    return platform_fee(pack.price_amount, bps=config["PLATFORM_FEE_BPS"], minimum=config["PLATFORM_FEE_MIN"])


def _sort_open_orders(open_orders: list[Order], *, pack: Pack, now: datetime,
                      destination: str | None) -> tuple[Order | None, list[tuple[str, str]]]:
    """(the order to hand out again or None, [(public id, Session id) of the Sessions to close])."""
    reusable, stale = None, []
    for order in open_orders:
        expires = aware(order.checkout_expires_at)
        same_price = (order.amount, order.currency, order.destination) == (pack.price_amount, pack.currency,
                                                                           destination)
        margin = REUSE_MARGIN if order.checkout_session_id else RECREATE_MARGIN
        if reusable is None and same_price and expires is not None and expires - now > margin:
            reusable = order
        elif order.checkout_session_id:
            stale.append((order.public_id, order.checkout_session_id))  # may still be paid: ask Stripe
        else:
            # No Session was recorded, so nobody was given a URL to pay it (if Stripe made one
            # from a request we gave up on, nobody knows its URL). Compare-and-set: never
            # overwrite a status a webhook wrote meanwhile.
            transition(order, OrderStatus.EXPIRED)
    return reusable, stale


def _close_checkout(gateway: StripeGateway, public_id: str, session_id: str) -> None:
    """Make an older Session unpayable before another is created; record it if it was paid.

    Called with no transaction open. Raises UpstreamError when Stripe cannot confirm that the
    Session is closed: then no new Session is created either.
    """
    db.session.rollback()  # hold no transaction across the Stripe call
    try:
        session = gateway.expire_checkout_session(session_id)
    except NotFound:  # unknown to this Stripe account (keys changed): nobody can pay it here
        log.warning("Order %s: Stripe has no Checkout Session %s; marking it expired", public_id, session_id)
        with transaction():
            transition(db.session.scalar(select(Order).where(Order.public_id == public_id)), OrderStatus.EXPIRED)
        return
    with transaction():
        if session.status == "expired":
            audit_fulfilment(apply_session_expired(session), actor=audit.STRIPE, checkout_session=session_id,
                             via="closing an older checkout")
        elif session.status == "complete":
            result = apply_session(session)  # paid: granted (or a duplicate); unpaid: processing
            audit_fulfilment(result, actor=audit.STRIPE, checkout_session=session_id,
                             via="closing an older checkout")
            log.info("Older Session %s of order %s was completed: %s", session_id, public_id, result.outcome)
        else:
            raise PaymentError("The payment service did not close the previous checkout. Please retry.")
    if session.status == "complete":
        settle_refund_or_leave_due(public_id)


def fulfill_checkout(*, session_id: str) -> Fulfilment:
    """The success page's fulfilment: re-read the Session from Stripe and apply it (idempotent).

    Only Sessions of our own orders are looked up at Stripe, and only until their payment is on
    record; after that the page is answered from the database. A duplicate payment is refunded
    here if Stripe can be reached, and otherwise left to the webhook.
    """
    gateway = get_gateway()
    if gateway is None:
        raise NotFound("This server does not take payments.")
    order = db.session.scalar(select(Order).where(Order.checkout_session_id == session_id))
    if order is None:
        raise NotFound("This checkout is not one of ours.")
    result = Fulfilment(FulfilmentOutcome.ALREADY, order)
    if order.status not in RECORDED:
        result = _apply_session_from_stripe(gateway, session_id)
    if refund_due(result.order):
        refunded = settle_refund_or_leave_due(result.order.public_id)
        if refunded is not None:
            return refunded
    return result


def _apply_session_from_stripe(gateway: StripeGateway, session_id: str) -> Fulfilment:
    db.session.rollback()  # a read only: hold no transaction across the Stripe call
    session = gateway.retrieve_checkout_session(session_id)
    with transaction():
        result = apply_session(session)
        audit_fulfilment(result, actor=audit.STRIPE, checkout_session=session_id, via="success page")
    if result.outcome == FulfilmentOutcome.UNKNOWN:
        raise NotFound("This checkout is not one of ours.")
    if result.outcome == FulfilmentOutcome.REFUSED:
        raise PaymentError("This payment could not be matched to its order. It has been logged; "
                           "contact the operator.")
    return result


def list_orders(*, user: User) -> list[Order]:
    """The user's orders, newest first, excluding attempts that never reached Stripe."""
    return list(db.session.scalars(
        select(Order).where(Order.user_id == user.id, Order.checkout_session_id.is_not(None))
        .options(selectinload(Order.pack)).order_by(Order.created_at.desc(), Order.id.desc())
    ))
