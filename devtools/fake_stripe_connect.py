"""The Stripe Connect half of the fake (mixed into devtools.fake_stripe.FakeStripe).

v2 JSON endpoints: POST /v2/core/accounts, GET /v2/core/accounts/<id>?include[0]=…, POST
/v2/core/account_links, GET /v2/core/events/<id>. v1 form endpoints: transfers (create, read,
list by destination) and their reversals, application fees (read, list by charge) and their
refunds, login links for Express accounts. Destination charges (Checkout with
payment_intent_data.transfer_data.destination) create a transfer and an application fee when
paid; refunds honour reverse_transfer and refund_application_fee proportionally.

Account changes emit *thin* events (object "v2.core.event", no data: the receiver fetches the
account) to `thin_url`, signed with `events_secret` exactly like snapshot events. Events about
connected accounts' own resources (payout.failed) are snapshot events with a top-level
`account`, sent to `connect_url` and signed with `connect_secret`. The hosted onboarding page
(Account Link URL, on the Checkout port) completes onboarding with one button, or a test calls
`activate_account` / `restrict_account`. Shapes: shared/MARKETPLACE.md §1.5, stripe-python 16.1.0.
"""
from __future__ import annotations

import copy
import time
from datetime import datetime, timedelta, timezone

from devtools.fake_stripe_shapes import (ACCOUNT_INCLUDABLE, CAPABILITY_EVENT, REQUIREMENTS_EVENT,
                                         StripeFailure, account_requirements, bool_param, int_param,
                                         metadata_param, new_id, required, rfc3339)

LINK_LIFETIME = timedelta(minutes=5)


class ConnectFake:
    """Connect state and routes; FakeStripe holds `objects`, `lock`, `events` and delivery."""

    thin_url: str | None = None
    connect_url: str | None = None
    events_secret = "whsec_test_hexpack_thin"
    connect_secret = "whsec_test_hexpack_connect"

    def connect_settings(self) -> dict:
        return {"STRIPE_EVENTS_SECRET": self.events_secret, "STRIPE_CONNECT_WEBHOOK_SECRET": self.connect_secret}

    # --- test controls ---
    def activate_account(self, account_id: str, *, deliver: bool | None = None) -> list[dict]:
        """Onboarding finished: transfers capability active, nothing due; emits the thin events."""
        return self._set_transfers(account_id, "active", [], deliver)

    def restrict_account(self, account_id: str, *, deliver: bool | None = None,
                         due: tuple[str, ...] = ("individual.verification.document",)) -> list[dict]:
        """Stripe needs more: transfers restricted until `due` is provided; emits the thin events."""
        details = [{"code": "requirements_past_due", "resolution": "provide_info"}]
        return self._set_transfers(account_id, "restricted", list(due), deliver, details)

    def close_account(self, account_id: str, *, deliver: bool | None = None) -> list[dict]:
        with self.lock:
            account = self._find(account_id, "v2.core.account")
            account["closed"] = True
            self._capability(account).update(status="unsupported", status_details=[])
            events = [self._thin_event("v2.core.account.closed", account)]
        self._auto_thin(events, deliver)
        return events

    def fail_payout(self, account_id: str, amount: int = 1000, *, deliver: bool | None = None) -> dict:
        """The connected account's bank refused a payout: payout.failed to the Connect endpoint."""
        with self.lock:
            account = self._find(account_id, "v2.core.account")
            payout = {"id": new_id("po_"), "object": "payout", "amount": amount, "arrival_date": int(time.time()),
                      "automatic": True, "balance_transaction": new_id("txn_"), "created": int(time.time()),
                      "currency": account["defaults"]["currency"], "description": "STRIPE PAYOUT",
                      "destination": new_id("ba_"), "failure_balance_transaction": new_id("txn_"),
                      "failure_code": "account_closed", "failure_message": "The bank account has been closed.",
                      "livemode": False, "metadata": {}, "method": "standard", "source_type": "card",
                      "statement_descriptor": None, "status": "failed", "type": "bank_account"}
            self.objects[payout["id"]] = payout
            event = self._event("payout.failed", payout)
            event["account"] = account_id
            self.events[-1]["account"] = account_id
        if (self.auto_deliver if deliver is None else deliver) and self.connect_url:
            self._delivery_pool.submit(self.deliver, event, url=self.connect_url, secret=self.connect_secret)
        return event

    def thin_request(self, event: dict, *, secret: str | None = None, timestamp: int | None = None):
        """The body and headers Stripe would POST to a thin event destination."""
        return self.webhook_request(event, secret=secret or self.events_secret, timestamp=timestamp)

    def deliver_thin(self, event: dict, **options) -> list[int]:
        return self.deliver(event, url=options.pop("url", None) or self.thin_url,
                            secret=options.pop("secret", None) or self.events_secret, **options)

    def _auto_thin(self, events: list[dict], deliver: bool | None) -> None:
        if (self.auto_deliver if deliver is None else deliver) and self.thin_url:
            def send_in_order():
                for event in events:
                    self.deliver_thin(event)
            self._delivery_pool.submit(send_in_order)

    def _set_transfers(self, account_id, status, due, deliver, details=()) -> list[dict]:
        with self.lock:
            account = self._find(account_id, "v2.core.account")
            self._capability(account).update(status=status, status_details=list(details))
            account["requirements"] = account_requirements(due)
            events = [self._thin_event(CAPABILITY_EVENT, account), self._thin_event(REQUIREMENTS_EVENT, account)]
        self._auto_thin(events, deliver)
        return events

    @staticmethod
    def _capability(account: dict) -> dict:
        return account["configuration"]["recipient"]["capabilities"]["stripe_balance"]["stripe_transfers"]

    def _thin_event(self, event_type: str, account: dict) -> dict:
        event = {"id": new_id("evt_test_"), "object": "v2.core.event", "type": event_type,
                 "created": rfc3339(datetime.now(timezone.utc)), "livemode": False, "context": None, "reason": None,
                 "related_object": {"id": account["id"], "type": "v2.core.account",
                                    "url": f"/v2/core/accounts/{account['id']}"}}
        self.objects[event["id"]] = event
        return copy.deepcopy(event)

    # --- v2 routes (lock held) ---
    def create_account(self, params: dict) -> dict:
        dashboard = params.get("dashboard", "full")
        if dashboard not in ("express", "full", "none"):
            raise StripeFailure(400, "invalid_request_error", f"Invalid dashboard: {dashboard}", param="dashboard")
        recipient = ((params.get("configuration") or {}).get("recipient") or {})
        requested = (((recipient.get("capabilities") or {}).get("stripe_balance") or {})
                     .get("stripe_transfers") or {}).get("requested")
        defaults = params.get("defaults") or {}
        responsibilities = defaults.get("responsibilities") or {}
        for name, allowed in (("fees_collector", ("application", "application_custom", "application_express",
                                                  "stripe")), ("losses_collector", ("application", "stripe"))):
            if responsibilities.get(name) not in (None, *allowed):
                raise StripeFailure(400, "invalid_request_error", f"Invalid {name}.",
                                    param=f"defaults.responsibilities.{name}")
        now = rfc3339(datetime.now(timezone.utc))
        account = {
            "id": new_id("acct_"), "object": "v2.core.account",
            "applied_configurations": ["recipient"] if recipient else [], "closed": False,
            "contact_email": params.get("contact_email"), "created": now, "dashboard": dashboard,
            "display_name": params.get("display_name"), "livemode": False,
            "metadata": metadata_param(params.get("metadata")),
            "defaults": {"currency": defaults.get("currency", "usd"), "locales": ["en-US"],
                         "responsibilities": {"fees_collector": responsibilities.get("fees_collector", "stripe"),
                                              "losses_collector": responsibilities.get("losses_collector", "stripe")}},
            "identity": copy.deepcopy(params.get("identity") or {}),
            "configuration": {"recipient": {"capabilities": {"stripe_balance": {"stripe_transfers": {
                "requested": bool(requested), "status": "pending" if requested else "unsupported",
                "status_details": [{"code": "requirements_past_due", "resolution": "provide_info"}]}}}}},
            "requirements": account_requirements(("individual.first_name", "individual.last_name",
                                                  "external_account")),
            "future_requirements": None,
        }
        self.objects[account["id"]] = account
        return self.render_account(account, params.get("include") or [])

    def render_account(self, account: dict, include) -> dict:
        include = [include] if isinstance(include, str) else list(include)
        unknown = [name for name in include if name not in ACCOUNT_INCLUDABLE]
        if unknown:
            raise StripeFailure(400, "invalid_request_error", f"Invalid include value: {unknown[0]}", param="include")
        out = copy.deepcopy(account)
        for field in ("configuration", "requirements", "defaults", "identity", "future_requirements"):
            wanted = [name for name in include if name == field or name.startswith(field + ".")]
            if not wanted:
                out[field] = None
        return out

    def create_account_link(self, params: dict) -> dict:
        account = self._find(required(params, "account"), "v2.core.account", param="account")
        use_case = required(params, "use_case")
        kind = use_case.get("type")
        if kind not in ("account_onboarding", "account_update"):
            raise StripeFailure(400, "invalid_request_error", f"Invalid use_case.type: {kind}", param="use_case.type")
        details = use_case.get(kind) or {}
        for name in ("configurations", "refresh_url", "return_url"):
            required(details, name, f"use_case.{kind}.{name}")
        now = datetime.now(timezone.utc)
        token = new_id("")
        link = {"object": "v2.core.account_link", "account": account["id"],
                "url": f"{self.checkout_base}/setup/s/{token}", "created": rfc3339(now),
                "expires_at": rfc3339(now + LINK_LIFETIME), "livemode": False,
                "use_case": {"type": kind, kind: {"configurations": list(details["configurations"]),
                                                  "refresh_url": details["refresh_url"],
                                                  "return_url": details["return_url"],
                                                  "collection_options": details.get("collection_options")}}}
        self.account_links[token] = {**link, "_expires": now + LINK_LIFETIME, "_used": False}
        return link

    def complete_onboarding(self, token: str) -> str:
        """The hosted onboarding page's Submit: activates the account; returns where to send the browser."""
        with self.lock:
            link = self.account_links.get(token)
            if link is None:
                raise StripeFailure(404, "invalid_request_error", "This link is not valid.")
            details = link["use_case"][link["use_case"]["type"]]
            if link["_used"] or datetime.now(timezone.utc) >= link["_expires"]:
                return details["refresh_url"]
            link["_used"] = True
        self.activate_account(link["account"])
        return details["return_url"]

    # --- v1 routes (lock held) ---
    def create_login_link(self, account_id: str) -> dict:
        account = self._find(account_id, "v2.core.account", param="account")
        if account["dashboard"] != "express":
            raise StripeFailure(400, "invalid_request_error", "Cannot create a login link for an account that "
                                "is not an Express account.")
        return {"object": "login_link", "created": int(time.time()),
                "url": f"{self.checkout_base}/express/{account_id}/{new_id('')}"}

    def transfers_active(self, account_id: str, param: str) -> dict:
        account = self.objects.get(account_id)
        if account is None or account["object"] != "v2.core.account":
            raise StripeFailure(400, "invalid_request_error", f"No such destination: '{account_id}'",
                                code="resource_missing", param=param)
        if self._capability(account)["status"] != "active":
            raise StripeFailure(400, "invalid_request_error", "Your destination account needs to have at least "
                                "one of the following capabilities enabled: transfers, crypto_transfers, "
                                "legacy_payments", code="insufficient_capabilities_for_transfer", param=param)
        return account

    def create_transfer(self, params: dict, request: dict, *, source_charge: dict | None = None) -> dict:
        amount = int_param(required(params, "amount"), "amount", minimum=1)
        currency = str(required(params, "currency")).lower()
        destination = self.transfers_active(required(params, "destination"), "destination")
        transfer = {"id": new_id("tr_"), "object": "transfer", "amount": amount, "amount_reversed": 0,
                    "balance_transaction": new_id("txn_"), "created": int(time.time()), "currency": currency,
                    "description": params.get("description"), "destination": destination["id"],
                    "destination_payment": new_id("py_"), "livemode": False,
                    "metadata": metadata_param(params.get("metadata")), "reversals": None, "reversed": False,
                    "source_transaction": source_charge["id"] if source_charge else params.get("source_transaction"),
                    "source_type": "card", "transfer_group": params.get("transfer_group")}
        transfer["reversals"] = {"object": "list", "data": [], "has_more": False,
                                 "url": f"/v1/transfers/{transfer['id']}/reversals"}
        self.objects[transfer["id"]] = transfer
        self._auto([self._event("transfer.created", transfer, request=request)], None)
        return transfer

    def create_reversal(self, transfer_id: str, params: dict, request: dict, *, refund_id: str | None = None) -> dict:
        transfer = self._find(transfer_id, "transfer")
        left = transfer["amount"] - transfer["amount_reversed"]
        amount = int_param(params.get("amount", left), "amount", minimum=1)
        if amount > left:
            raise StripeFailure(400, "invalid_request_error", f"You have requested reversal of {amount}, but only "
                                f"{left} is available to reverse.", param="amount")
        reversal = {"id": new_id("trr_"), "object": "transfer_reversal", "amount": amount,
                    "balance_transaction": new_id("txn_"), "created": int(time.time()), "currency": transfer["currency"],
                    "destination_payment_refund": new_id("pyr_"), "metadata": metadata_param(params.get("metadata")),
                    "source_refund": refund_id, "transfer": transfer_id}
        self.objects[reversal["id"]] = reversal
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
        transfer["reversals"]["data"].insert(0, copy.deepcopy(reversal))
        self._auto([self._event("transfer.reversed", transfer, request=request)], None)
        return reversal

    def refund_fee(self, fee: dict, amount: int, request: dict) -> dict:
        fee_refund = {"id": new_id("fr_"), "object": "fee_refund", "amount": amount,
                      "balance_transaction": new_id("txn_"), "created": int(time.time()), "currency": fee["currency"],
                      "fee": fee["id"], "metadata": {}}
        self.objects[fee_refund["id"]] = fee_refund
        fee["amount_refunded"] += amount
        fee["refunded"] = fee["amount_refunded"] >= fee["amount"]
        fee["refunds"]["data"].insert(0, copy.deepcopy(fee_refund))
        self._auto([self._event("application_fee.refunded", fee, request=request)], None)
        return fee_refund

    def destination_payment(self, charge: dict, session: dict) -> None:
        """A paid destination charge: the transfer to the connected account and the platform's fee."""
        routing = session.get("_transfer")
        if not routing:
            return
        fee_amount = routing["application_fee_amount"]
        transfer = self.create_transfer({"amount": str(charge["amount"] - fee_amount), "currency": charge["currency"],
                                         "destination": routing["destination"],
                                         "transfer_group": f"group_{charge['payment_intent']}"},
                                        {"id": None, "idempotency_key": None}, source_charge=charge)
        charge.update(transfer=transfer["id"], transfer_data={"amount": None, "destination": routing["destination"]},
                      transfer_group=transfer["transfer_group"], application_fee_amount=fee_amount or None)
        if fee_amount:
            fee = {"id": new_id("fee_"), "object": "application_fee", "account": routing["destination"],
                   "amount": fee_amount, "amount_refunded": 0, "application": "ca_hexpack_fake",
                   "balance_transaction": new_id("txn_"), "charge": charge["id"], "created": int(time.time()),
                   "currency": charge["currency"], "fee_source": {"charge": charge["id"], "type": "charge"},
                   "livemode": False, "originating_transaction": None, "refunded": False, "refunds": None}
            fee["refunds"] = {"object": "list", "data": [], "has_more": False,
                              "url": f"/v1/application_fees/{fee['id']}/refunds"}
            self.objects[fee["id"]] = fee
            charge["application_fee"] = fee["id"]

    def session_routing(self, intent_data: dict, total: int) -> dict | None:
        """Checkout's payment_intent_data.transfer_data / application_fee_amount, checked as Stripe does."""
        transfer_data = intent_data.get("transfer_data")
        fee = intent_data.get("application_fee_amount")
        if intent_data.get("on_behalf_of"):
            raise StripeFailure(400, "invalid_request_error", "This fake does not implement on_behalf_of.",
                                param="payment_intent_data[on_behalf_of]")
        if not transfer_data:
            if fee is not None:
                raise StripeFailure(400, "invalid_request_error", "Can only apply an application_fee_amount when "
                                    "the PaymentIntent is attempting a direct payment (using an OAuth key or "
                                    "Stripe-Account header) or destination payment (using `transfer_data[destination]`).",
                                    param="payment_intent_data[application_fee_amount]")
            return None
        param = "payment_intent_data[transfer_data][destination]"
        destination = self.transfers_active(required(transfer_data, "destination", param), param)
        fee_amount = int_param(fee if fee is not None else "0", "payment_intent_data[application_fee_amount]")
        if fee_amount > total:
            raise StripeFailure(400, "invalid_request_error", "The application fee amount cannot be greater than "
                                "the amount of the payment.", param="payment_intent_data[application_fee_amount]")
        return {"destination": destination["id"], "application_fee_amount": fee_amount}

    def connected_refund(self, charge: dict, refund: dict, params: dict, request: dict) -> None:
        """reverse_transfer / refund_application_fee on a refund of a destination charge (proportional)."""
        reverse = bool_param(params.get("reverse_transfer"), "reverse_transfer")
        refund_fee = bool_param(params.get("refund_application_fee"), "refund_application_fee")
        if (reverse or refund_fee) and not charge.get("transfer"):
            raise StripeFailure(400, "invalid_request_error", "This charge has no transfer: reverse_transfer and "
                                "refund_application_fee apply to destination charges only.")
        full = charge["amount_refunded"] + refund["amount"] >= charge["amount"]
        if reverse:
            transfer = self.objects[charge["transfer"]]
            left = transfer["amount"] - transfer["amount_reversed"]
            share = left if full else min(left, transfer["amount"] * refund["amount"] // charge["amount"])
            if share:
                reversal = self.create_reversal(transfer["id"], {"amount": str(share)}, request, refund_id=refund["id"])
                refund["transfer_reversal"] = reversal["id"]
        if refund_fee and charge.get("application_fee"):
            fee = self.objects[charge["application_fee"]]
            left = fee["amount"] - fee["amount_refunded"]
            share = left if full else min(left, fee["amount"] * refund["amount"] // charge["amount"])
            if share:
                refund["_fee_refund"] = self.refund_fee(fee, share, request)["id"]

    def list_of(self, kind: str, params: dict, url: str, **filters) -> dict:
        limit = int_param(params.get("limit", "10"), "limit", minimum=1)
        if limit > 100:
            raise StripeFailure(400, "invalid_request_error", "This value must be less than or equal to 100.",
                                param="limit")
        matching = [o for o in reversed(list(self.objects.values())) if o["object"] == kind
                    and all(o.get(k) == v for k, v in filters.items() if v is not None)]
        after = params.get("starting_after")
        if after:
            ids = [o["id"] for o in matching]
            matching = matching[ids.index(after) + 1:] if after in ids else []
        return {"object": "list", "data": copy.deepcopy(matching[:limit]), "has_more": len(matching) > limit,
                "url": url}

    def connect_routes(self, params: dict, request: dict) -> list:
        return [
            ("POST", r"/v2/core/accounts", lambda: self.create_account(params)),
            ("GET", r"/v2/core/accounts/(acct_\w+)",
             lambda a: self.render_account(self._find(a, "v2.core.account"), params.get("include") or [])),
            ("POST", r"/v2/core/account_links", lambda: self.create_account_link(params)),
            ("GET", r"/v2/core/events/(evt_\w+)", lambda e: self._find(e, "v2.core.event")),
            ("POST", r"/v1/accounts/(acct_\w+)/login_links", self.create_login_link),
            ("POST", r"/v1/transfers", lambda: self.create_transfer(params, request)),
            ("GET", r"/v1/transfers", lambda: self.list_of("transfer", params, "/v1/transfers",
                                                           destination=params.get("destination"))),
            ("GET", r"/v1/transfers/(tr_\w+)", lambda t: self._find(t, "transfer")),
            ("POST", r"/v1/transfers/(tr_\w+)/reversals", lambda t: self.create_reversal(t, params, request)),
            ("GET", r"/v1/application_fees", lambda: self.list_of("application_fee", params, "/v1/application_fees",
                                                                  charge=params.get("charge"))),
            ("GET", r"/v1/application_fees/(fee_\w+)", lambda f: self._find(f, "application_fee")),
        ]
