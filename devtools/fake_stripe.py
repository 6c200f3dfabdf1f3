"""A local fake of the parts of the Stripe API Hexpack uses, for tests and the benchmark.

The real `stripe` library reaches it through StripeClient(base_addresses={"api": fake.api_base}).
It keeps state (Checkout Sessions, PaymentIntents, Charges, Refunds, Disputes, Events), parses
Stripe's form encoding (`line_items[0][price_data][unit_amount]`, `metadata[key]`, `expand[0]`),
requires `Authorization: Bearer sk_test_...`, answers Stripe-shaped objects and errors, honours
Idempotency-Key, serves a hosted Checkout page with a Pay button on its own port, and sends
webhooks signed exactly as Stripe signs them (`Stripe-Signature: t=<ts>,v1=<HMAC-SHA256 hex of
"<t>.<body>">`). Shapes follow Stripe's API reference; only the fields Hexpack or a reader of
the objects needs are filled in. It proves our handling of Stripe-shaped data, not Stripe itself.
Stripe Connect (v2 accounts, account links, thin events, transfers, application fees, destination
charges) lives in fake_stripe_connect.py; helpers both halves share in fake_stripe_shapes.py.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import requests

from devtools.fake_stripe_connect import ConnectFake
from devtools.fake_stripe_shapes import API_VERSION, StripeFailure, decode_form, new_id
from devtools.fake_stripe_shapes import int_param as _int
from devtools.fake_stripe_shapes import metadata_param as _metadata
from devtools.fake_stripe_shapes import required as _required

KEY_RE = re.compile(r"^(sk|rk)_test_[A-Za-z0-9_]+$")
ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "xof", "xaf"}


class FakeStripe(ConnectFake):
    """Start with FakeStripe().start(); stop with .stop(). Thread-safe; one lock guards all state."""

    def __init__(self, *, webhook_url: str | None = None, webhook_secret: str = "whsec_test_hexpack_fake",
                 auto_deliver: bool = True):
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.auto_deliver = auto_deliver
        self.lock = threading.RLock()
        self.objects: dict[str, dict] = {}  # id -> object, for every kind
        self.line_items: dict[str, list[dict]] = {}  # session id -> items
        self.account_links: dict[str, dict] = {}  # URL token -> v2 Account Link (fake_stripe_connect)
        self.events: list[dict] = []
        self.requests: list[dict] = []  # every API request: method, path, params, headers
        self.deliveries: list[tuple[str, str, int]] = []  # (event id, type, HTTP status or 0)
        self._idempotency: dict[tuple[str, str], tuple[tuple, int, bytes]] = {}
        self._failures: list[tuple[int, dict, str | None]] = []  # status, body, path regex
        self._hangs: list[dict] = []  # see hang_next
        self._stopped = threading.Event()
        self._delivery_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fake-stripe-webhooks")
        self._api = self._checkout = None

    # --- lifecycle ---
    def start(self) -> "FakeStripe":
        self._api = _serve(_ApiHandler, self)
        self._checkout = _serve(_CheckoutHandler, self)
        self.api_base = f"http://127.0.0.1:{self._api.server_port}"
        self.checkout_base = f"http://127.0.0.1:{self._checkout.server_port}"
        return self

    def stop(self) -> None:
        self._stopped.set()  # releases requests held by hang_next
        for server in (self._api, self._checkout):
            if server is not None:
                server.shutdown()
                server.server_close()
        self._delivery_pool.shutdown(wait=True)

    def app_settings(self, secret_key: str = "sk_test_hexpack_suite") -> dict:
        """The app settings that point Hexpack at this fake."""
        return {"STRIPE_SECRET_KEY": secret_key, "STRIPE_API_BASE": self.api_base,
                "STRIPE_WEBHOOK_SECRET": self.webhook_secret, **self.connect_settings()}

    # --- inspection ---
    def get(self, object_id: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.objects[object_id])

    def requests_to(self, method: str, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["method"] == method and r["path"] == path]

    def sessions(self) -> list[dict]:
        return self.objects_of("checkout.session")

    def objects_of(self, kind: str) -> list[dict]:
        """Every object of one kind ("refund", "dispute", ...), oldest first."""
        with self.lock:
            return [copy.deepcopy(o) for o in self.objects.values() if o["object"] == kind]

    def events_of_type(self, event_type: str) -> list[dict]:
        with self.lock:
            return [copy.deepcopy(e) for e in self.events if e["type"] == event_type]

    def wait_for_delivery(self, event_type: str, *, count: int = 1, timeout: float = 10) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                statuses = [status for _id, kind, status in self.deliveries if kind == event_type]
            if len(statuses) >= count:
                return statuses
            time.sleep(0.02)
        raise AssertionError(f"no delivery of {event_type} within {timeout}s; deliveries: {self.deliveries}")

    # --- test controls ---
    def fail_next(self, status: int = 500, type_: str = "api_error", message: str = "An unknown error occurred",
                  *, code: str | None = None, times: int = 1, path: str | None = None) -> None:
        """Answer the next `times` API requests (whose path matches the regex `path`, if given) with this
        Stripe error (Stripe does have bad days)."""
        body = {"error": {"type": type_, "message": message, **({"code": code} if code else {})}}
        with self.lock:
            self._failures.extend([(status, body, path)] * times)

    def hang_next(self, seconds: float, *, times: int = 1, path: str | None = None,
                  respond_first: bool = False) -> None:
        """Hold the next `times` API requests (whose path matches the regex `path`, if given) for `seconds`.

        By default the request is held before it takes effect: a Stripe that accepted the connection
        but does not answer. With `respond_first` the answer is computed when the request arrives
        and delivered late: a response that reflects the state at the moment it was read.
        """
        with self.lock:
            self._hangs.extend([{"seconds": seconds, "path": path, "respond_first": respond_first}] * times)

    def _take_hang(self, path: str) -> dict | None:
        with self.lock:
            for index, hang in enumerate(self._hangs):
                if hang["path"] is None or re.fullmatch(hang["path"], path):
                    return self._hangs.pop(index)
        return None

    def tamper(self, object_id: str, **fields) -> None:
        """Change an object behind the app's back (e.g. a Session whose amount does not match)."""
        with self.lock:
            self.objects[object_id].update(fields)

    def pay(self, session_id: str, *, method: str = "card", deliver: bool | None = None) -> list[dict]:
        """What the hosted page's Pay button does. `method="delayed"` completes unpaid (bank debit)."""
        with self.lock:
            session = self.objects[session_id]
            if session["status"] != "open":
                raise StripeFailure(400, "invalid_request_error", f"This Checkout Session is {session['status']}.")
            intent = self._create_payment_intent(session, succeeded=method == "card")
            charge = self.objects[intent["latest_charge"]]
            if method == "card":
                self.destination_payment(charge, session)
            session.update(status="complete", payment_intent=intent["id"],
                           payment_status="paid" if method == "card" else "unpaid")
            events = []
            if method == "card":
                events += [self._event("charge.succeeded", charge), self._event("payment_intent.succeeded", intent)]
            else:
                events += [self._event("charge.pending", charge), self._event("payment_intent.processing", intent)]
            events.append(self._event("checkout.session.completed", session))
        self._auto(events, deliver)
        return events

    def settle(self, session_id: str, *, succeeded: bool = True, deliver: bool | None = None) -> list[dict]:
        """A delayed payment clears (async_payment_succeeded) or fails (async_payment_failed)."""
        with self.lock:
            session = self.objects[session_id]
            intent = self.objects[session["payment_intent"]]
            charge = self.objects[intent["latest_charge"]]
            if succeeded:
                intent.update(status="succeeded", amount_received=intent["amount"])
                charge.update(status="succeeded", paid=True, captured=True, amount_captured=charge["amount"])
                self.destination_payment(charge, session)
                session["payment_status"] = "paid"
                events = [self._event("charge.succeeded", charge),
                          self._event("checkout.session.async_payment_succeeded", session)]
            else:
                intent.update(status="requires_payment_method")
                charge.update(status="failed", failure_code="insufficient_funds")
                events = [self._event("charge.failed", charge),
                          self._event("checkout.session.async_payment_failed", session)]
        self._auto(events, deliver)
        return events

    def refund(self, charge_id: str, amount: int | None = None, *, api_key: str = "sk_test_fake_admin") -> dict:
        """Refund through the real API route (POST /v1/refunds), as the Dashboard or a script would."""
        data = {"charge": charge_id, **({"amount": str(amount)} if amount is not None else {})}
        response = requests.post(self.api_base + "/v1/refunds", data=data, timeout=10,
                                 headers={"Authorization": f"Bearer {api_key}"})
        response.raise_for_status()
        return response.json()

    def expire(self, session_id: str, *, api_key: str = "sk_test_fake_admin") -> dict:
        response = requests.post(f"{self.api_base}/v1/checkout/sessions/{session_id}/expire", timeout=10,
                                 headers={"Authorization": f"Bearer {api_key}"})
        response.raise_for_status()
        return response.json()

    def create_dispute(self, charge_id: str, *, deliver: bool | None = None) -> dict:
        """The cardholder disputes the charge: charge.dispute.created."""
        with self.lock:
            charge = self.objects[charge_id]
            dispute = {
                "id": new_id("dp_"), "object": "dispute", "amount": charge["amount"], "balance_transactions": [],
                "charge": charge_id, "created": int(time.time()), "currency": charge["currency"],
                "evidence_details": {"due_by": int(time.time()) + 7 * 86400, "has_evidence": False,
                                     "past_due": False, "submission_count": 0},
                "is_charge_refundable": False, "livemode": False, "metadata": {},
                "payment_intent": charge["payment_intent"], "reason": "fraudulent", "status": "needs_response",
            }
            self.objects[dispute["id"]] = dispute
            charge["disputed"] = True
            event = self._event("charge.dispute.created", dispute)
        self._auto([event], deliver)
        return copy.deepcopy(dispute)

    def close_dispute(self, dispute_id: str, *, status: str = "won", deliver: bool | None = None) -> dict:
        """The dispute is decided: charge.dispute.closed with status won or lost."""
        with self.lock:
            dispute = self.objects[dispute_id]
            dispute["status"] = status
            event = self._event("charge.dispute.closed", dispute)
        self._auto([event], deliver)
        return event

    def event(self, event_type: str, object_id: str, *, livemode: bool = False) -> dict:
        """A fresh event about an existing object (as Stripe would send it)."""
        with self.lock:
            return self._event(event_type, self.objects[object_id], livemode=livemode)

    def raw_event(self, event_type: str, obj: dict) -> dict:
        """An event about an object the fake does not hold (e.g. a type we do not handle)."""
        with self.lock:
            return self._event(event_type, obj)

    # --- webhooks ---
    def sign(self, payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed = f"{timestamp}.".encode() + payload
        digest = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"

    def webhook_request(self, event: dict, *, secret: str | None = None,
                        timestamp: int | None = None) -> tuple[bytes, dict]:
        """The body and headers Stripe would POST for `event`."""
        body = json.dumps(event, indent=2).encode()
        return body, {"Content-Type": "application/json; charset=utf-8",
                      "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                      "Stripe-Signature": self.sign(body, secret=secret, timestamp=timestamp)}

    def deliver(self, event: dict, *, url: str | None = None, times: int = 1, concurrency: int = 1,
                secret: str | None = None, timestamp: int | None = None) -> list[int]:
        """POST the signed event `times` times, `concurrency` at once; returns the HTTP statuses."""
        url = url or self.webhook_url
        body, headers = self.webhook_request(event, secret=secret, timestamp=timestamp)
        barrier = threading.Barrier(min(times, concurrency))

        def send(_):
            if concurrency > 1:
                try:
                    barrier.wait(timeout=5)
                except threading.BrokenBarrierError:
                    pass
            try:
                status = requests.post(url, data=body, headers=headers, timeout=30).status_code
            except requests.RequestException:
                status = 0
            with self.lock:
                self.deliveries.append((event["id"], event["type"], status))
            return status

        if concurrency <= 1:
            return [send(i) for i in range(times)]
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(send, range(times)))

    def _auto(self, events: list[dict], deliver: bool | None) -> None:
        if (self.auto_deliver if deliver is None else deliver) and self.webhook_url:
            def send_in_order():
                for event in events:
                    self.deliver(event)
            self._delivery_pool.submit(send_in_order)

    # --- object factories (call with the lock held) ---
    def _event(self, event_type: str, obj: dict, *, livemode: bool = False, request: dict | None = None) -> dict:
        event = {"id": new_id("evt_"), "object": "event", "api_version": API_VERSION,
                 "created": int(time.time()), "data": {"object": copy.deepcopy(obj)}, "livemode": livemode,
                 "pending_webhooks": 1, "request": request or {"id": None, "idempotency_key": None},
                 "type": event_type}
        self.events.append(event)
        return copy.deepcopy(event)

    def _create_payment_intent(self, session: dict, *, succeeded: bool) -> dict:
        now, amount, currency = int(time.time()), session["amount_total"], session["currency"]
        intent_id, charge_id = new_id("pi_"), new_id("ch_")
        charge = {
            "id": charge_id, "object": "charge", "amount": amount, "amount_captured": amount if succeeded else 0,
            "amount_refunded": 0, "balance_transaction": new_id("txn_") if succeeded else None,
            "billing_details": {"email": None, "name": None}, "captured": succeeded, "created": now,
            "currency": currency, "description": None, "disputed": False, "failure_code": None,
            "livemode": False, "metadata": {}, "paid": succeeded, "payment_intent": intent_id,
            "payment_method_details": {"type": "card" if succeeded else "sepa_debit"},
            "receipt_url": f"{self.checkout_base}/receipts/{charge_id}", "refunded": False,
            "status": "succeeded" if succeeded else "pending",
        }
        intent = {
            "id": intent_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
            "amount_received": amount if succeeded else 0, "capture_method": "automatic", "created": now,
            "currency": currency, "description": None, "latest_charge": charge_id, "livemode": False,
            "metadata": copy.deepcopy(session["_payment_intent_metadata"]),
            "payment_method_types": session["payment_method_types"],
            "status": "succeeded" if succeeded else "processing",
        }
        self.objects[charge_id], self.objects[intent_id] = charge, intent
        return intent

    # --- API routes (lock held) ---
    def create_session(self, params: dict, request: dict) -> dict:
        mode = _required(params, "mode")
        if mode != "payment":
            raise StripeFailure(400, "invalid_request_error", "This fake implements mode=payment only.",
                                param="mode")
        raw_items = params.get("line_items")
        if not isinstance(raw_items, list) or not raw_items:
            raise StripeFailure(400, "invalid_request_error", "`line_items` is required in `payment` mode.",
                                code="parameter_missing", param="line_items")
        items, currency = [], None
        for index, raw in enumerate(raw_items):
            item, currency = self._line_item(raw, index, currency)
            items.append(item)
        now = int(time.time())
        expires_at = _int(params.get("expires_at", now + 86400), "expires_at")
        if not now + 1800 <= expires_at <= now + 86400:
            raise StripeFailure(400, "invalid_request_error", "The `expires_at` timestamp must be between 30 "
                                "minutes and 24 hours from Checkout Session creation.", param="expires_at")
        for name in ("success_url", "cancel_url"):
            if params.get(name) and not re.match(r"^https?://", params[name]):
                raise StripeFailure(400, "invalid_request_error", "Not a valid URL", code="url_invalid", param=name)
        reference = params.get("client_reference_id")
        if reference is not None and len(reference) > 200:
            raise StripeFailure(400, "invalid_request_error", "client_reference_id is too long",
                                param="client_reference_id")
        intent_data = params.get("payment_intent_data") or {}
        total = sum(item["amount_total"] for item in items)
        session_id = new_id("cs_test_")
        session = {
            "id": session_id, "object": "checkout.session", "after_expiration": None,
            "allow_promotion_codes": params.get("allow_promotion_codes") == "true" or None,
            "amount_subtotal": total, "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "billing_address_collection": None, "cancel_url": params.get("cancel_url"),
            "client_reference_id": reference, "client_secret": None, "created": now, "currency": currency,
            "customer": None, "customer_creation": "if_required", "customer_details": None,
            "customer_email": params.get("customer_email"), "expires_at": expires_at, "invoice": None,
            "livemode": False, "locale": params.get("locale"), "metadata": _metadata(params.get("metadata")),
            "mode": "payment", "payment_intent": None, "payment_link": None,
            "payment_method_collection": "if_required", "payment_method_types": ["card"],
            "payment_status": "unpaid", "status": "open", "success_url": params.get("success_url"),
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted", "url": f"{self.checkout_base}/c/pay/{session_id}",
            # Not part of the object: what the PaymentIntent gets when Checkout creates it.
            "_payment_intent_metadata": _metadata(intent_data.get("metadata"), "payment_intent_data[metadata]"),
            "_transfer": self.session_routing(intent_data, total),  # destination charges (fake_stripe_connect)
        }
        self.objects[session_id], self.line_items[session_id] = session, items
        return session

    def _line_item(self, raw: dict, index: int, currency: str | None) -> tuple[dict, str]:
        param = f"line_items[{index}]"
        quantity = _int(raw.get("quantity", "1"), f"{param}[quantity]", minimum=1)
        if raw.get("price"):
            raise StripeFailure(404, "invalid_request_error", f"No such price: '{raw['price']}'",
                                code="resource_missing", param=f"{param}[price]")
        price_data = raw.get("price_data")
        if not isinstance(price_data, dict):
            raise StripeFailure(400, "invalid_request_error", f"Missing required param: {param}[price_data].",
                                code="parameter_missing", param=f"{param}[price_data]")
        item_currency = str(_required(price_data, "currency", f"{param}[price_data][currency]")).lower()
        if not re.fullmatch(r"[a-z]{3}", item_currency):
            raise StripeFailure(400, "invalid_request_error", f"Invalid currency: {item_currency}.",
                                param=f"{param}[price_data][currency]")
        if currency and item_currency != currency:
            raise StripeFailure(400, "invalid_request_error", "All line items must use the same currency.",
                                param=f"{param}[price_data][currency]")
        unit = _int(_required(price_data, "unit_amount", f"{param}[price_data][unit_amount]"),
                    f"{param}[price_data][unit_amount]")
        product = price_data.get("product_data") or {}
        name = _required(product, "name", f"{param}[price_data][product_data][name]")
        price = {"id": new_id("price_"), "object": "price", "active": False, "currency": item_currency,
                 "livemode": False, "metadata": {}, "product": new_id("prod_"), "type": "one_time",
                 "unit_amount": unit}
        item = {"id": new_id("li_"), "object": "item", "amount_discount": 0, "amount_subtotal": unit * quantity,
                "amount_tax": 0, "amount_total": unit * quantity, "currency": item_currency,
                "description": name, "price": price, "quantity": quantity,
                "_product_metadata": _metadata(product.get("metadata"))}
        return item, item_currency

    def expire_session(self, session_id: str, request: dict) -> dict:
        session = self._find(session_id, "checkout.session")
        if session["status"] != "open":
            raise StripeFailure(400, "invalid_request_error", f"Only Checkout Sessions with a status in "
                                f"[\"open\"] can be expired. This Checkout Session has a status of "
                                f"\"{session['status']}\".")
        session["status"] = "expired"
        self._auto([self._event("checkout.session.expired", session, request=request)], None)
        return session

    def create_refund(self, params: dict, request: dict) -> dict:
        if params.get("charge"):
            charge = self._find(params["charge"], "charge", param="charge")
        elif params.get("payment_intent"):
            intent = self._find(params["payment_intent"], "payment_intent", param="payment_intent")
            charge = self.objects[intent["latest_charge"]]
        else:
            raise StripeFailure(400, "invalid_request_error", "One of the following params should be provided "
                                "for this request: payment_intent or charge.", code="parameter_missing")
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeFailure(400, "invalid_request_error", f"Charge {charge['id']} has already been refunded.",
                                code="charge_already_refunded")
        amount = _int(params.get("amount", remaining), "amount", minimum=1)
        if amount > remaining:
            raise StripeFailure(400, "invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded "
                                f"amount on charge ({remaining})", code="amount_too_large", param="amount")
        refund = {"id": new_id("re_"), "object": "refund", "amount": amount,
                  "balance_transaction": new_id("txn_"), "charge": charge["id"], "created": int(time.time()),
                  "currency": charge["currency"], "metadata": _metadata(params.get("metadata")),
                  "payment_intent": charge["payment_intent"], "reason": params.get("reason"),
                  "status": "succeeded", "transfer_reversal": None}
        self.connected_refund(charge, refund, params, request)
        self.objects[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        events = [self._event("refund.created", refund, request=request),
                  self._event("charge.refunded", charge, request=request)]
        self._auto(events, None)
        return refund

    def _find(self, object_id: str, kind: str, *, param: str = "id") -> dict:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise StripeFailure(404, "invalid_request_error", f"No such {kind}: '{object_id}'",
                                code="resource_missing", param=param)
        return obj

    def render(self, obj: dict, expand: list[str]) -> dict:
        """The public form of `obj` with `expand` paths (`payment_intent.latest_charge`) expanded."""
        out = {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}
        nested: dict[str, list[str]] = {}
        for path in expand:
            head, _, rest = path.partition(".")
            nested.setdefault(head, [])
            if rest:
                nested[head].append(rest)
        for field, rest in nested.items():
            if obj["object"] == "checkout.session" and field == "line_items":
                out["line_items"] = self._line_item_list(obj["id"])
            elif isinstance(out.get(field), str) and out[field] in self.objects:
                out[field] = self.render(self.objects[out[field]], rest)
            elif field not in out:
                raise StripeFailure(400, "invalid_request_error",
                                    f"This property cannot be expanded ({field}).", param="expand")
        return out

    def _line_item_list(self, session_id: str) -> dict:
        data = [{k: v for k, v in item.items() if not k.startswith("_")} for item in self.line_items[session_id]]
        return {"object": "list", "data": data, "has_more": False,
                "url": f"/v1/checkout/sessions/{session_id}/line_items"}

    def handle_api(self, method: str, path: str, params: dict, request: dict) -> tuple[int, dict]:
        expand = params.get("expand") or []
        routes = [
            ("POST", r"/v1/checkout/sessions", lambda: self.create_session(params, request)),
            ("GET", r"/v1/checkout/sessions/(cs_\w+)", lambda s: self._find(s, "checkout.session")),
            ("POST", r"/v1/checkout/sessions/(cs_\w+)/expire", lambda s: self.expire_session(s, request)),
            ("GET", r"/v1/checkout/sessions/(cs_\w+)/line_items",
             lambda s: (self._find(s, "checkout.session"), self._line_item_list(s))[1]),
            ("GET", r"/v1/payment_intents/(\w+)", lambda i: self._find(i, "payment_intent")),
            ("GET", r"/v1/charges/(\w+)", lambda i: self._find(i, "charge")),
            ("POST", r"/v1/refunds", lambda: self.create_refund(params, request)),
            ("GET", r"/v1/refunds/(\w+)", lambda i: self._find(i, "refund")),
            ("GET", r"/v1/disputes/(\w+)", lambda i: self._find(i, "dispute")),
            ("GET", r"/v1/events/(\w+)", lambda i: next((e for e in self.events if e["id"] == i), None)
             or self._find(i, "event")),
            *self.connect_routes(params, request),
        ]
        for route_method, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                result = action(*match.groups())
                if result.get("object") == "list":
                    return 200, result
                return 200, self.render(result, expand if isinstance(expand, list) else [expand])
        raise StripeFailure(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")


def _serve(handler, fake: FakeStripe) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.fake = fake
    threading.Thread(target=server.serve_forever, daemon=True, name=handler.__name__).start()
    return server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the stripe library's requests session expects
    # Headers and body in one segment: otherwise Nagle + delayed ACKs add ~40 ms to every response.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def log_message(self, *args):
        pass

    @property
    def fake(self) -> FakeStripe:
        return self.server.fake

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _ApiHandler(_Handler):
    def do_GET(self):
        self._api("GET")

    def do_POST(self):
        self._api("POST")

    def _api(self, method: str):
        url = urlsplit(self.path)
        raw = self._body().decode() if method == "POST" else url.query
        if method == "POST" and url.path.startswith("/v2/"):  # v2 sends JSON bodies
            params, pairs = self._json_params(raw)
        else:
            pairs = parse_qsl(raw, keep_blank_values=True)
            params = decode_form(pairs)
        request_id = new_id("req_")
        headers = {"Request-Id": request_id, "Stripe-Version": self.headers.get("Stripe-Version") or API_VERSION}
        fake = self.fake
        with fake.lock:
            fake.requests.append({"method": method, "path": url.path, "params": params, "raw": sorted(pairs),
                                  "headers": dict(self.headers.items())})
        hang = fake._take_hang(url.path)
        if hang and not hang["respond_first"]:
            fake._stopped.wait(hang["seconds"])
        with fake.lock:
            status, body, replayed = self._dispatch(method, url.path, params, sorted(pairs), request_id)
        if hang and hang["respond_first"]:
            fake._stopped.wait(hang["seconds"])
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        try:
            self._send(status, body, "application/json", headers)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (timeout)
            self.close_connection = True

    def _json_params(self, raw: str) -> tuple[dict, list[tuple[str, str]]]:
        try:
            params = json.loads(raw or "{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            params = {"_invalid_json": True}
        return params, [("json", json.dumps(params, sort_keys=True))]

    def _dispatch(self, method, path, params, pairs, request_id) -> tuple[int, bytes, bool]:
        fake = self.fake
        auth = self.headers.get("Authorization", "")
        key = auth[7:] if auth.startswith("Bearer ") else ""
        if not KEY_RE.match(key):
            message = ("You did not provide an API key." if not key else
                       f"Invalid API Key provided: {key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}")
            return 401, json.dumps({"error": {"type": "invalid_request_error", "message": message}}).encode(), False
        for index, (status, body, pattern) in enumerate(fake._failures):
            if pattern is None or re.fullmatch(pattern, path):
                del fake._failures[index]
                return status, json.dumps(body).encode(), False
        idem_key = self.headers.get("Idempotency-Key") if method == "POST" else None
        fingerprint = (method, path, tuple(pairs))
        if idem_key:
            saved = fake._idempotency.get((key, idem_key))
            if saved is not None:
                if saved[0] != fingerprint:
                    return 400, json.dumps({"error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same parameters they "
                                   f"were first used with. Try using a key other than '{idem_key}' if you meant "
                                   "to execute a different request."}}).encode(), False
                return saved[1], saved[2], True
        request = {"id": request_id, "idempotency_key": idem_key}
        try:
            if params.get("_invalid_json"):
                raise StripeFailure(400, "invalid_request_error", "The request body is not a JSON object.")
            status, result = fake.handle_api(method, path, params, request)
            body = json.dumps(result).encode()
        except StripeFailure as failure:
            status, body = failure.status, json.dumps(failure.body).encode()
        # Stripe saves the result once the endpoint has begun executing: not for parameter errors.
        if idem_key and (status < 400 or status >= 500):
            fake._idempotency[(key, idem_key)] = (fingerprint, status, body)
        return status, body, False


class _CheckoutHandler(_Handler):
    """The hosted Checkout page (GET shows it, POST pays) and receipts."""

    def do_GET(self):
        if self._onboarding("GET"):
            return
        match = re.fullmatch(r"/c/pay/(cs_\w+)", urlsplit(self.path).path)
        receipt = re.fullmatch(r"/receipts/(ch_\w+)", urlsplit(self.path).path)
        fake = self.fake
        if receipt and receipt.group(1) in fake.objects:
            charge = fake.get(receipt.group(1))
            return self._page(200, "Receipt", f"<p>Paid {charge['amount']} {charge['currency'].upper()} "
                                              f"({html.escape(charge['id'])}).</p>")
        if not match or match.group(1) not in fake.objects:
            return self._page(404, "Not found", "<p>Something went wrong.</p>")
        session = fake.get(match.group(1))
        if session["status"] != "open":
            return self._page(200, "Checkout", f"<p class=\"status\">This Checkout Session is "
                                               f"{html.escape(session['status'])}.</p>")
        items = "".join(f"<li>{html.escape(i['description'])} × {i['quantity']}: {i['amount_total']} "
                        f"{i['currency'].upper()}</li>" for i in fake.line_items[session["id"]])
        form = (f"<ul>{items}</ul><p>Total {session['amount_total']} {session['currency'].upper()}</p>"
                f"<form method=\"post\"><label><input type=\"radio\" name=\"method\" value=\"card\" checked> Card"
                f"</label> <label><input type=\"radio\" name=\"method\" value=\"delayed\"> Bank debit</label> "
                f"<button type=\"submit\" id=\"pay\">Pay</button></form>")
        if session.get("cancel_url"):
            form += f"<p><a href=\"{html.escape(session['cancel_url'])}\">Back</a></p>"
        self._page(200, "Checkout", form)

    def _onboarding(self, method: str) -> bool:
        """Hosted onboarding (an Account Link's URL) and the Express dashboard; False for other paths."""
        path = urlsplit(self.path).path
        setup = re.fullmatch(r"/setup/s/(\w+)", path)
        if re.fullmatch(r"/express/acct_\w+/\w+", path):
            self._page(200, "Express dashboard", "<p>Payouts and balances would be here.</p>")
            return True
        if not setup:
            return False
        link = self.fake.account_links.get(setup.group(1))
        if link is None:
            self._page(404, "Not found", "<p>This onboarding link is not valid.</p>")
        elif method == "GET":
            self._page(200, "Onboarding", f"<p>Account {html.escape(link['account'])}.</p><form method=\"post\">"
                                          "<button type=\"submit\" id=\"submit-onboarding\">Submit</button></form>")
        else:
            self._send(303, b"", "text/plain", {"Location": self.fake.complete_onboarding(setup.group(1))})
        return True

    def do_POST(self):
        if self._onboarding("POST"):
            return
        match = re.fullmatch(r"/c/pay/(cs_\w+)", urlsplit(self.path).path)
        fields = dict(parse_qsl(self._body().decode()))
        if not match or match.group(1) not in self.fake.objects:
            return self._page(404, "Not found", "<p>Something went wrong.</p>")
        try:
            self.fake.pay(match.group(1), method=fields.get("method", "card"))
        except StripeFailure as failure:
            return self._page(400, "Checkout", f"<p class=\"status\">{html.escape(str(failure))}</p>")
        session = self.fake.get(match.group(1))
        target = (session.get("success_url") or self.fake.checkout_base + "/done").replace(
            "{CHECKOUT_SESSION_ID}", session["id"])
        self._send(303, b"", "text/plain", {"Location": target})

    def _page(self, status: int, title: str, body: str):
        page = f"<!doctype html><title>{title}</title><h1>{title} (fake Stripe)</h1>{body}".encode()
        self._send(status, page, "text/html; charset=utf-8")
