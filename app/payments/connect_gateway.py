"""The Stripe Connect gateway: connected accounts (Accounts v2), onboarding links, thin events,
transfers and reversals, application fees. With gateway.py, the only modules that import stripe;
it shares gateway.py's StripeClient and error translation. It speaks connect_data.py's dataclasses.
"""
from __future__ import annotations

import json
import logging
import threading

import stripe
from flask import current_app

from app.exceptions import InvalidSignature, MalformedEvent
from app.payments.connect_data import (AccountInfo, ConnectEvent, CreatorRefund, FeeState, MoneyMove, ThinEvent,
                                       TransferState)
from app.payments.gateway import WEBHOOK_TOLERANCE, StripeGateway, _charge, get_gateway

log = logging.getLogger(__name__)
ACCOUNT_INCLUDE = ["configuration.recipient", "requirements"]
_lock = threading.Lock()


def _account(data: dict) -> AccountInfo:
    recipient = (data.get("configuration") or {}).get("recipient") or {}
    transfers = ((recipient.get("capabilities") or {}).get("stripe_balance") or {}).get("stripe_transfers") or {}
    entries = (data.get("requirements") or {}).get("entries") or []
    return AccountInfo(id=data["id"], transfers_status=transfers.get("status"), closed=bool(data.get("closed")),
                       requirements=tuple(str(e.get("description")) for e in entries if e.get("description")),
                       dashboard=data.get("dashboard"))


def _verify(payload: bytes, signature: str | None, secret: str, setting: str) -> str:
    """The body as text once `secret` verifies its Stripe-Signature; InvalidSignature otherwise."""
    if not secret:
        raise InvalidSignature(f"This endpoint's signing secret is not configured ({setting}).")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, secret, WEBHOOK_TOLERANCE)
    except (UnicodeDecodeError, stripe.SignatureVerificationError):
        raise InvalidSignature("Invalid Stripe-Signature (wrong secret, tampered body or stale timestamp).") from None
    return text


class ConnectGateway:
    def __init__(self, base: StripeGateway, *, events_secret: str, connect_secret: str):
        self.base, self.client = base, base.client
        self.livemode = base.livemode
        self.events_secret, self.connect_secret = events_secret, connect_secret

    # --- connected accounts ---
    def create_account(self, *, creator_id: int, matrix_id: str, display_name: str, currency: str) -> AccountInfo:
        """The creator's Express recipient account; the same key -> the same account, however often."""
        params = {
            "display_name": display_name[:100], "dashboard": "express",
            "identity": {"entity_type": "individual"},
            "configuration": {"recipient": {"capabilities": {
                "stripe_balance": {"stripe_transfers": {"requested": True}}}}},
            "defaults": {"currency": currency, "responsibilities": {
                "fees_collector": "application", "losses_collector": "application"}},
            "metadata": {"matrix_user_id": matrix_id, "hexpack_user": str(creator_id)},
            "include": ACCOUNT_INCLUDE,
        }
        account = self.base._call("connected account", self.client.v2.core.accounts.create, params=params,
                                  options={"idempotency_key": f"connect-account-{creator_id}"})
        return _account(account.to_dict())

    def retrieve_account(self, account_id: str) -> AccountInfo:
        account = self.base._call("connected account", self.client.v2.core.accounts.retrieve, account_id,
                                  params={"include": ACCOUNT_INCLUDE})
        return _account(account.to_dict())

    def onboarding_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        params = {"account": account_id, "use_case": {"type": "account_onboarding", "account_onboarding": {
            "configurations": ["recipient"], "refresh_url": refresh_url, "return_url": return_url}}}
        return self.base._call("account link", self.client.v2.core.account_links.create, params=params).url

    def dashboard_link(self, account_id: str) -> str:
        """A single-use link into the Express dashboard."""
        return self.base._call("login link", self.client.v1.accounts.login_links.create, account_id).url

    # --- events ---
    def parse_thin_event(self, payload: bytes, signature: str | None) -> ThinEvent:
        text = _verify(payload, signature, self.events_secret, "STRIPE_EVENTS_SECRET")
        try:
            notification = self.client.parse_event_notification_without_verification(text)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):  # not a JSON object, no type...
            raise MalformedEvent("The body is not a Stripe thin event.") from None
        if not isinstance(notification.id, str) or not isinstance(notification.type, str):
            raise MalformedEvent("The thin event has no id or type.")
        related = getattr(notification, "related_object", None)
        related_id = related.id if related is not None and isinstance(related.id, str) else None
        return ThinEvent(id=notification.id, type=notification.type, livemode=notification.livemode,
                         related_id=related_id, related_type=related.type if related is not None else None)

    def parse_connect_event(self, payload: bytes, signature: str | None) -> ConnectEvent:
        text = _verify(payload, signature, self.connect_secret, "STRIPE_CONNECT_WEBHOOK_SECRET")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise MalformedEvent("The body is not JSON.") from None
        body = data.get("data") if isinstance(data, dict) else None
        obj = body.get("object") if isinstance(body, dict) else None
        if not isinstance(obj, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
            raise MalformedEvent("The body is not a Stripe snapshot event.")
        return ConnectEvent(id=data["id"], type=data["type"], livemode=bool(data.get("livemode")),
                            account=data.get("account"), object=obj)

    # --- money movements ---
    def refund_creator_sale(self, *, payment_intent_id: str, amount: int | None, creator_pays: bool,
                            idempotency_key: str, metadata: dict) -> CreatorRefund:
        """Refund a destination charge; `creator_pays` reverses the transfer and refunds the platform fee."""
        params = {"payment_intent": payment_intent_id, "metadata": metadata, "reason": "requested_by_customer",
                  "expand": ["transfer_reversal", "charge"]}
        if amount is not None:
            params["amount"] = amount
        if creator_pays:
            params.update(reverse_transfer=True, refund_application_fee=True)
        data = self.base._call("refund", self.client.v1.refunds.create, params=params,
                               options={"idempotency_key": idempotency_key}).to_dict()
        reversal = data.get("transfer_reversal")
        charge = data.get("charge") if isinstance(data.get("charge"), dict) else {}
        fee_id = charge.get("application_fee")
        fee_refunded = self.retrieve_fee(fee_id).amount_refunded if isinstance(fee_id, str) else 0
        return CreatorRefund(id=data["id"], status=data.get("status") or "", amount=int(data.get("amount") or 0),
                             transfer_reversal=MoneyMove(reversal["id"], int(reversal["amount"]))
                             if isinstance(reversal, dict) else None, fee_refunded_total=fee_refunded,
                             charge=_charge(charge) if charge else None)

    def reverse_transfer(self, transfer_id: str, *, amount: int, idempotency_key: str, metadata: dict) -> MoneyMove:
        reversal = self.base._call("transfer reversal", self.client.v1.transfers.reversals.create, transfer_id,
                                   params={"amount": amount, "metadata": metadata},
                                   options={"idempotency_key": idempotency_key})
        return MoneyMove(reversal.id, int(reversal.amount))

    def transfer(self, *, amount: int, currency: str, destination: str, idempotency_key: str,
                 metadata: dict, transfer_group: str | None = None) -> MoneyMove:
        params = {"amount": amount, "currency": currency, "destination": destination, "metadata": metadata}
        if transfer_group:
            params["transfer_group"] = transfer_group
        made = self.base._call("transfer", self.client.v1.transfers.create, params=params,
                               options={"idempotency_key": idempotency_key})
        return MoneyMove(made.id, int(made.amount))

    def retrieve_transfer(self, transfer_id: str) -> TransferState:
        data = self.base._call("transfer", self.client.v1.transfers.retrieve, transfer_id).to_dict()
        return _transfer(data)

    def transfers_to(self, destination: str) -> list[TransferState]:
        listing = self.base._call("transfer", self.client.v1.transfers.list,
                                  params={"destination": destination, "limit": 100})
        return [_transfer(t.to_dict()) for t in listing.auto_paging_iter()]

    def retrieve_fee(self, fee_id: str) -> FeeState:
        data = self.base._call("application fee", self.client.v1.application_fees.retrieve, fee_id).to_dict()
        charge = data.get("charge")
        return FeeState(id=data["id"], amount=int(data.get("amount") or 0),
                        amount_refunded=int(data.get("amount_refunded") or 0),
                        charge=charge.get("id") if isinstance(charge, dict) else charge)


def _transfer(data: dict) -> TransferState:
    source = data.get("source_transaction")
    return TransferState(id=data["id"], amount=int(data.get("amount") or 0),
                         amount_reversed=int(data.get("amount_reversed") or 0), destination=data.get("destination"),
                         source_transaction=source.get("id") if isinstance(source, dict) else source,
                         metadata=dict(data.get("metadata") or {}))


def get_connect_gateway() -> ConnectGateway | None:
    """The Connect gateway, or None when Stripe is not configured."""
    base = get_gateway()
    if base is None:
        return None
    config = current_app.config
    secrets = (config.get("STRIPE_EVENTS_SECRET") or "", config.get("STRIPE_CONNECT_WEBHOOK_SECRET") or "")
    cached = current_app.extensions.get("hexpack.stripe_connect")
    if cached is None or cached[0] is not base or cached[1] != secrets:
        with _lock:
            cached = (base, secrets, ConnectGateway(base, events_secret=secrets[0], connect_secret=secrets[1]))
            current_app.extensions["hexpack.stripe_connect"] = cached
    return cached[2]

