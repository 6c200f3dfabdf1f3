"""Creators' payouts (Stripe Connect): onboarding, the account's state from thin events, payout
failures from the Connect endpoint. Use cases: they commit through transaction() and hold no
transaction across a Stripe call.

Thin events are triggers only: each one makes us read the account from Stripe and store what it
says now, so their order does not matter; each event id is recorded once (stripe_events).
"""
from __future__ import annotations

import html
import logging

from sqlalchemy.exc import IntegrityError

from app import audit
from app.bot.outbox import enqueue_message
from app.exceptions import InvalidSignature, NotFound, NotForSale, PaymentTimeout, UpstreamError
from app.extensions import db
from app.models import StripeEvent, User
from app.payments.connect_gateway import ConnectGateway, get_connect_gateway
from app.payments.money import format_money
from app.payments.payouts import PayoutStatus, account_by_stripe_id, account_of, store_account
from app.sqlhelpers import insert_or_ignore
from app.transactions import transaction

log = logging.getLogger(__name__)

ACCOUNT_EVENTS = frozenset({
    "v2.core.account[configuration.recipient].capability_status_updated",
    "v2.core.account[configuration.recipient].updated",
    "v2.core.account[requirements].updated",
    "v2.core.account.updated",
    "v2.core.account.closed",
})
DEFAULT_CURRENCY = "usd"  # the connected account's default currency (defaults.currency)


def connect_gateway() -> ConnectGateway:
    gateway = get_connect_gateway()
    if gateway is None or not gateway.events_secret:
        raise NotForSale("This server does not pay creators (Stripe Connect is not configured).",
                         errcode="ORG.HEXPACK.PAYOUTS_DISABLED")
    return gateway


def start_onboarding(*, user: User, refresh_url: str, return_url: str) -> str:
    """The URL of a fresh onboarding link; the creator's connected account is created once."""
    gateway = connect_gateway()
    account = account_of(user.id)
    account_id = account.stripe_account_id if account is not None else None
    matrix_id, user_id = user.matrix_id, user.id
    db.session.rollback()  # hold no transaction across the Stripe calls
    if account_id is None:
        info = gateway.create_account(creator_id=user_id, matrix_id=matrix_id, currency=DEFAULT_CURRENCY,
                                      display_name=matrix_id.lstrip("@").split(":")[0])
        try:
            with transaction():
                store_account(db.session.get(User, user_id), info)
                audit.record(matrix_id, "payouts.onboarding_started", f"user:{matrix_id}", stripe_account=info.id)
        except IntegrityError:  # a concurrent click stored it (the idempotency key gave it the same account)
            db.session.rollback()
        account_id = info.id
    return gateway.onboarding_link(account_id, refresh_url=refresh_url, return_url=return_url)


def refresh_account(*, user: User) -> None:
    """Read the creator's account from Stripe and store it (the studio does this on return from Stripe)."""
    account = account_of(user.id)
    if account is None:
        return
    account_id = account.stripe_account_id
    db.session.rollback()
    info = connect_gateway().retrieve_account(account_id)
    with transaction():
        _store(info, via="return from onboarding")


def payout_summary(*, user: User) -> dict:
    """{"status", "requirements", "dashboard_url"?} from the stored account; the link only once active."""
    account = account_of(user.id)
    if account is None:
        return {"status": PayoutStatus.NONE.value, "requirements": []}
    summary = {"status": account.status, "requirements": list(account.requirements or [])}
    if account.status == PayoutStatus.ACTIVE:
        account_id = account.stripe_account_id
        db.session.rollback()
        try:
            summary["dashboard_url"] = connect_gateway().dashboard_link(account_id)
        except (UpstreamError, PaymentTimeout):  # the status still shows; the link comes back with Stripe
            log.warning("No Express dashboard link for %s: Stripe unavailable", account_id)
    return summary


def payouts_panel(*, user: User, refresh: bool = False) -> dict:
    """The studio's Get paid section: payout_summary plus "configured" (this server pays creators) and
    "unreachable" (Stripe did not answer). refresh: read the account from Stripe first (on return)."""
    gateway = get_connect_gateway()
    if gateway is None or not gateway.events_secret:
        return {"configured": False, "unreachable": False, "status": PayoutStatus.NONE.value, "requirements": []}
    unreachable = False
    if refresh:
        try:
            refresh_account(user=user)
        except (UpstreamError, NotFound):  # show what we stored, and say Stripe could not be read
            db.session.rollback()
            unreachable = True
    summary = payout_summary(user=user)
    if summary["status"] == PayoutStatus.ACTIVE and "dashboard_url" not in summary:
        unreachable = True
    return {"configured": True, "unreachable": unreachable, **summary}


def _store(info, **details) -> str | None:
    """Store Stripe's reading of a connected account; audit a status change. None if not ours."""
    account = account_by_stripe_id(info.id, for_update=True)
    if account is None:
        log.warning("Stripe account %s is not one of our creators' accounts", info.id)
        return None
    before = account.status
    store_account(account.user, info, account)
    if account.status != before:
        audit.record(audit.STRIPE, "payouts.account_status", f"user:{account.user.matrix_id}",
                     stripe_account=info.id, status=account.status, previous=before, **details)
    return account.status


def handle_thin_event(*, payload: bytes, signature: str | None) -> str:
    """POST /stripe/events: verify (STRIPE_EVENTS_SECRET only), fetch the account, store it, once."""
    gateway = get_connect_gateway()
    if gateway is None:
        raise InvalidSignature("This server does not take payments.")
    event = gateway.parse_thin_event(payload, signature)
    if event.livemode != gateway.livemode or event.type not in ACCOUNT_EVENTS \
            or event.related_type != "v2.core.account" or not event.related_id:
        log.info("Ignoring Stripe thin event %s (%s)", event.id, event.type)
        return "ignored"
    if db.session.get(StripeEvent, event.id) is not None:
        return "duplicate"
    db.session.rollback()
    try:
        info = gateway.retrieve_account(event.related_id)
    except NotFound:
        log.warning("Thin event %s names account %s, which Stripe does not know", event.id, event.related_id)
        return "unknown"
    with transaction():
        if not insert_or_ignore(StripeEvent, {"id": event.id, "type": event.type[:64], "created": 0}, ["id"]):
            return "duplicate"
        status = _store(info, stripe_event=event.id, stripe_event_type=event.type)
    return status or "unknown"


def handle_connect_event(*, payload: bytes, signature: str | None) -> str:
    """POST /stripe/connect-webhook: payout.failed tells the creator through the bot, once."""
    gateway = get_connect_gateway()
    if gateway is None:
        raise InvalidSignature("This server does not take payments.")
    event = gateway.parse_connect_event(payload, signature)
    if event.livemode != gateway.livemode or event.type != "payout.failed" or not event.account:
        return "ignored"
    with transaction():
        if not insert_or_ignore(StripeEvent, {"id": event.id, "type": event.type, "created": 0}, ["id"]):
            return "duplicate"
        account = account_by_stripe_id(event.account)
        if account is None:
            return "unknown"
        _tell_payout_failed(account.user.matrix_id, event.object)
        audit.record(audit.STRIPE, "payouts.payout_failed", f"user:{account.user.matrix_id}",
                     stripe_account=event.account, payout=event.object.get("id"),
                     failure_code=event.object.get("failure_code"), stripe_event=event.id)
    return "notified"


def _tell_payout_failed(matrix_id: str, payout: dict) -> None:
    amount = format_money(int(payout.get("amount") or 0), str(payout.get("currency") or "usd"))
    reason = str(payout.get("failure_message") or "the bank refused it")
    body = (f"Stripe could not pay out {amount} to your bank account: {reason} Update your payout details in "
            "your Stripe Express dashboard (Studio → Get paid); Stripe retries once they are fixed.")
    enqueue_message(matrix_id, body, f"<p>{html.escape(body)}</p>")
