"""The Stripe gateway: the only module that imports stripe. It speaks plain dataclasses (stripe_data.py)."""
from __future__ import annotations

import logging
import threading
from urllib.parse import quote

import requests
import stripe
from flask import current_app

from app.exceptions import InvalidSignature, NotFound, PaymentError, PaymentTimeout, UpstreamError
from app.payments.stripe_data import (ChargeInfo, CheckoutRequest, CreatedSession, DisputeInfo, RefundInfo,
                                      SessionInfo, WebhookEvent, webhook_event)

log = logging.getLogger(__name__)

# The API version our requests and our webhook endpoint use: the one stripe-python 16.1.0 pins.
# Create the Dashboard webhook endpoint with this same version (README, "Payments").
STRIPE_API_VERSION = "2026-10-28.endive"
WEBHOOK_TOLERANCE = 300  # seconds; Stripe's default
MAX_NETWORK_RETRIES = 2
# stripe-python waits 80 s per attempt by default: with two retries a stuck Stripe would hold a
# request for 4 minutes, while Heroku's router answers 503 after 30 s. Connect within 5 s, then at
# most 8 s between bytes: 3 attempts x 8 s + the library's back-off (0.5 s, then up to 1 s) stays
# under 26 s, leaving room for our own work.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 8
_lock = threading.Lock()


def _id(value) -> str | None:
    """An expandable field: an id string, an expanded object (dict) or null."""
    return value.get("id") if isinstance(value, dict) else value


def _charge(data: dict) -> ChargeInfo:
    amount = int(data.get("amount") or 0)
    refunded_amount = int(data.get("amount_refunded") or 0)
    return ChargeInfo(
        id=data["id"], payment_intent_id=_id(data.get("payment_intent")), amount=amount,
        amount_refunded=refunded_amount,
        refunded=bool(data.get("refunded")) or (amount > 0 and refunded_amount >= amount),
        currency=data.get("currency") or "", receipt_url=data.get("receipt_url"),
        metadata=dict(data.get("metadata") or {}), transfer_id=_id(data.get("transfer")),
        application_fee_id=_id(data.get("application_fee")), application_fee_amount=data.get("application_fee_amount"),
        destination=_id((data.get("transfer_data") or {}).get("destination")),
    )


def _session(data: dict) -> SessionInfo:
    intent = data.get("payment_intent")
    charge = None
    if isinstance(intent, dict) and isinstance(intent.get("latest_charge"), dict):
        charge = _charge(intent["latest_charge"])
    line_items = data.get("line_items")
    details = data.get("total_details") or {}
    return SessionInfo(
        id=data["id"], status=data.get("status"), payment_status=data.get("payment_status") or "unpaid",
        client_reference_id=data.get("client_reference_id"),
        amount_subtotal=data.get("amount_subtotal"), amount_total=data.get("amount_total"),
        amount_discount=int(details.get("amount_discount") or 0), currency=data.get("currency"),
        metadata=dict(data.get("metadata") or {}), payment_intent_id=_id(intent), charge=charge,
        line_items=len(line_items["data"]) if isinstance(line_items, dict) else None,
    )


class StripeGateway:
    """One StripeClient per app: pinned API version, two network retries, optional API base (tests)."""

    def __init__(self, *, secret_key: str, api_base: str = "", webhook_secrets: tuple[str, ...] = ()):
        self.client = stripe.StripeClient(
            secret_key,
            stripe_version=STRIPE_API_VERSION,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)),
        )
        self.livemode = secret_key.startswith(("sk_live_", "rk_live_"))
        self.webhook_secrets = webhook_secrets

    # --- Checkout Sessions ---
    def create_checkout_session(self, request: CheckoutRequest) -> CreatedSession:
        metadata = {"order": request.order_id, "pack": request.pack_slug,
                    "matrix_user_id": request.matrix_user_id}
        params = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": request.currency,
                    "unit_amount": request.amount,
                    "product_data": {"name": request.pack_name, "metadata": {"pack": request.pack_slug}},
                },
            }],
            "client_reference_id": request.order_id,
            "metadata": metadata,
            # Refund and dispute events carry Charges, not Sessions: the PaymentIntent carries ours too.
            "payment_intent_data": {"metadata": metadata},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": request.expires_at,
        }
        if request.allow_promotion_codes:
            params["allow_promotion_codes"] = True
        if request.destination:  # a creator's sale: a destination charge, no on_behalf_of (docs/PAYMENTS.md)
            params["payment_intent_data"]["transfer_data"] = {"destination": request.destination}
            if request.application_fee_amount:
                params["payment_intent_data"]["application_fee_amount"] = request.application_fee_amount
        # Same order -> same key -> Stripe answers a retried create with the same Session.
        options = {"idempotency_key": f"checkout-{request.order_id}"}
        session = self._call("checkout session", self.client.v1.checkout.sessions.create,
                             params=params, options=options)
        return CreatedSession(id=session.id, url=session.url, expires_at=session.expires_at)

    def retrieve_checkout_session(self, session_id: str) -> SessionInfo:
        # A raw request: the same retries and errors, without building StripeObjects only to turn
        # them back into a dict (a third of the call's CPU, on every webhook delivery).
        response = self._call("checkout session", self.client.raw_request, "get",
                              f"/v1/checkout/sessions/{quote(session_id, safe='')}",
                              expand=["line_items", "payment_intent.latest_charge"])
        return _session(response.data)

    def expire_checkout_session(self, session_id: str) -> SessionInfo:
        """Make an open Session unpayable; returns the Session as it now is.

        Stripe refuses to expire a Session that is no longer open (complete: it was paid, or expired
        already); the Session is then re-read, so the caller learns which.
        """
        try:
            self.client.v1.checkout.sessions.expire(session_id)
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing":
                raise NotFound("Stripe has no such checkout session.") from None
            log.info("Stripe did not expire Checkout Session %s: %s", session_id, error.user_message)
        except stripe.StripeError as error:
            self._translate("checkout session expiry", error)
        return self.retrieve_checkout_session(session_id)

    def refund_payment(self, *, payment_intent_id: str, idempotency_key: str, reason: str = "duplicate",
                       metadata: dict | None = None) -> RefundInfo:
        """Refund what is left of a PaymentIntent's charge. The same key -> the same refund, however often."""
        params = {"payment_intent": payment_intent_id, "reason": reason, "metadata": metadata or {},
                  "expand": ["charge"]}
        try:
            refund = self.client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:
            if error.code == "charge_already_refunded":  # e.g. refunded from the Dashboard meanwhile
                return RefundInfo(id=None, status="already_refunded", amount=0, charge=None)
            # A refusal that a retry would not change (the charge is disputed, the PaymentIntent
            # is unknown to this key...): for a person to look at.
            log.error("Stripe refused to refund %s: %s (code %s)", payment_intent_id, error.user_message, error.code)
            return RefundInfo(id=None, status="refused", amount=0, charge=None, message=error.user_message)
        except stripe.StripeError as error:
            self._translate("refund", error)
        data = refund.to_dict()
        charge = data.get("charge")
        return RefundInfo(id=data["id"], status=data.get("status") or "", amount=int(data.get("amount") or 0),
                          charge=_charge(charge) if isinstance(charge, dict) else None)

    # --- Charges, PaymentIntents, Disputes (re-read on every event: delivery order is not guaranteed) ---
    def retrieve_charge(self, charge_id: str) -> ChargeInfo:
        return _charge(self._call("charge", self.client.v1.charges.retrieve, charge_id).to_dict())

    def payment_intent_metadata(self, payment_intent_id: str) -> dict:
        intent = self._call("payment intent", self.client.v1.payment_intents.retrieve, payment_intent_id)
        return dict(intent.to_dict().get("metadata") or {})

    def retrieve_dispute(self, dispute_id: str) -> DisputeInfo:
        data = self._call("dispute", self.client.v1.disputes.retrieve, dispute_id).to_dict()
        return DisputeInfo(id=data["id"], status=data.get("status") or "", charge_id=_id(data.get("charge")),
                           payment_intent_id=_id(data.get("payment_intent")), amount=int(data.get("amount") or 0))

    # --- Webhooks ---
    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify Stripe-Signature with each configured secret (rolling), then read the event.

        InvalidSignature when no secret verifies it; MalformedEvent when it verifies but is not an
        event we can process (Stripe signed it, so retrying it would not help).
        """
        if not self.webhook_secrets:
            raise InvalidSignature("Webhook signing secret is not configured (STRIPE_WEBHOOK_SECRET).")
        try:
            text = payload.decode("utf-8")  # Stripe signs UTF-8 text; its verifier would raise
        except UnicodeDecodeError:
            raise InvalidSignature("The body is not a Stripe event.") from None
        if not any(self._signed_with(text, signature, secret) for secret in self.webhook_secrets):
            raise InvalidSignature("Invalid Stripe-Signature (wrong secret, tampered body or stale timestamp).")
        return webhook_event(text)

    @staticmethod
    def _signed_with(payload: str, signature: str | None, secret: str) -> bool:
        try:
            return stripe.WebhookSignature.verify_header(payload, signature, secret, WEBHOOK_TOLERANCE)
        except stripe.SignatureVerificationError:
            return False

    def _call(self, what: str, method, *args, **kwargs):
        """Call Stripe; translate its errors into domain errors whose messages are safe to show."""
        try:
            return method(*args, **kwargs)
        except stripe.StripeError as error:
            self._translate(what, error)

    @staticmethod
    def _translate(what: str, error: stripe.StripeError):
        """Raise the domain error, with a message safe to show, for a Stripe error."""
        if isinstance(error, stripe.InvalidRequestError):
            if error.code == "resource_missing":
                raise NotFound(f"Stripe has no such {what}.") from None
            log.error("Stripe refused a %s request: %s (code %s, param %s)", what, error.user_message,
                      error.code, getattr(error, "param", None))
            raise PaymentError("The payment service refused the request. It has been logged.") from None
        if isinstance(error, stripe.IdempotencyError):  # our bug: one key reused with other parameters
            log.error("Stripe idempotency conflict on a %s request: %s", what, error.user_message)
            raise PaymentError("The payment service refused the request. It has been logged.") from None
        if isinstance(error, (stripe.AuthenticationError, stripe.PermissionError)):
            log.error("Stripe rejected our API key for a %s request: %s", what, error.user_message)
            raise PaymentError("Payments are misconfigured on this server. It has been logged.") from None
        if isinstance(error, stripe.APIConnectionError) and isinstance(error.__cause__, requests.Timeout):
            log.warning("Stripe did not answer a %s request in time (%s attempts)", what, MAX_NETWORK_RETRIES + 1)
            raise PaymentTimeout("The payment service did not answer in time; please retry.") from None
        # Connection failures, 5xx, rate limits.
        log.warning("Stripe unavailable for a %s request: %s: %s", what, type(error).__name__, error.user_message)
        raise UpstreamError("The payment service is unavailable right now; please retry.") from None


def get_gateway() -> StripeGateway | None:
    """The app's gateway, or None when STRIPE_SECRET_KEY is not set (paid packs are then not for sale)."""
    config = current_app.config
    key = config.get("STRIPE_SECRET_KEY") or ""
    if not key:
        return None
    settings = (key, config.get("STRIPE_API_BASE") or "", config.get("STRIPE_WEBHOOK_SECRET") or "")
    cached = current_app.extensions.get("hexpack.stripe")
    if cached is None or cached[0] != settings:
        with _lock:
            cached = current_app.extensions.get("hexpack.stripe")
            if cached is None or cached[0] != settings:
                secrets = tuple(s.strip() for s in settings[2].split(",") if s.strip())
                cached = (settings, StripeGateway(secret_key=key, api_base=settings[1], webhook_secrets=secrets))
                current_app.extensions["hexpack.stripe"] = cached
    return cached[1]
