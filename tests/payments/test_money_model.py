"""A model-based test of the money: Hypothesis interleaves what buyers, Stripe and the admin do.

Buyers start checkouts (POST /api/v1/checkout) and open the success page; Stripe (the fake, through
its public controls and API routes) pays, settles delayed payments, expires, refunds and opens and
closes disputes; its webhooks are delivered signed as Stripe signs them, in any order and any
number of times; the admin grants the pack (`flask entitlements grant`). Only public interfaces.

After every step, for each user (read through `flask entitlements list`):
- a user with an admin grant holds the pack;
- a user none of whose Stripe events is still undelivered holds it if and only if Stripe says one
  of their orders is paid, not fully refunded and not disputed (or the dispute was won).
Events not yet delivered are the only lag allowed: Stripe's state is the truth the app converges to.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from tests.factories import pack_row, signed_in_user
from tests.support.database import empty_tables

SLUG = "hexes"
USERS = ("@alice:example.org", "@bob:example.org")
WEBHOOK_TYPES = {
    "checkout.session.completed", "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed", "checkout.session.expired", "charge.refunded",
    "charge.dispute.created", "charge.dispute.closed",
}
MODEL_SETTINGS = settings(max_examples=35, stateful_step_count=20, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_CHECKOUT_SUCCESS": "100000 per minute"}


class StripeTruth:
    """What the fake Stripe says about this run's sessions (its objects are Stripe's state)."""

    def __init__(self, fake, session_ids: list[str]):
        self.fake, self.session_ids = fake, session_ids

    def sessions(self, status: str | None = None, payment_status: str | None = None) -> list[dict]:
        found = [self.fake.get(i) for i in self.session_ids]
        return [s for s in found if (status is None or s["status"] == status)
                and (payment_status is None or s["payment_status"] == payment_status)]

    def charge(self, session: dict) -> dict:
        return self.fake.get(self.fake.get(session["payment_intent"])["latest_charge"])

    def disputes(self, charge_id: str) -> list[dict]:
        return [d for d in self.fake.objects_of("dispute") if d["charge"] == charge_id]

    def entitled(self, session: dict) -> bool:
        if session["payment_status"] != "paid":
            return False
        charge = self.charge(session)
        return not charge["refunded"] and all(d["status"] == "won" for d in self.disputes(charge["id"]))

    def buyer_of_event(self, event: dict) -> str | None:
        obj = event["data"]["object"]
        intent = obj["id"] if obj["object"] == "checkout.session" else obj.get("payment_intent")
        for session in self.sessions():
            if intent in (session["id"], session.get("payment_intent")):
                return session["metadata"]["matrix_user_id"]
        return None


def money_machine(client, runner, fake):
    class Money(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            empty_tables()
            pack_row(SLUG, price=500)
            self.buyers = {matrix_id: signed_in_user(matrix_id) for matrix_id in USERS}
            self.truth = StripeTruth(fake, [])
            self.first_event = len(fake.events)
            self.delivered: list[dict] = []
            self.delivered_ids: set[str] = set()
            self.granted: set[str] = set()

        # --- helpers ---
        def pending(self) -> list[dict]:
            with fake.lock:
                events = [dict(e) for e in fake.events[self.first_event:]]
            return [e for e in events if e["type"] in WEBHOOK_TYPES and e["id"] not in self.delivered_ids]

        def post(self, event: dict) -> None:
            body, headers = fake.webhook_request(event)
            response = client.post("/stripe/webhook", data=body, headers=headers)
            assert response.status_code == 200, (event["type"], response.status_code, response.get_data())
            if event["id"] not in self.delivered_ids:
                self.delivered_ids.add(event["id"])
                self.delivered.append(event)

        def holds(self, matrix_id: str) -> bool:
            result = runner.invoke(args=["entitlements", "list", "--user", matrix_id, "--pack", SLUG, "--active"])
            assert result.exit_code == 0, result.output
            return "1 entitlement(s)." in result.output

        # --- buyers ---
        def start_checkout(self, user) -> str | None:
            response = client.post("/api/v1/checkout", json={"pack": SLUG}, headers=self.buyers[user].headers)
            assert response.status_code in (200, 409), (response.status_code, response.get_json())
            if response.status_code != 200:
                return None
            order_id = response.get_json()["order_id"]
            [session] = [s["id"] for s in fake.sessions() if s["client_reference_id"] == order_id]
            if session not in self.truth.session_ids:
                self.truth.session_ids.append(session)
            return session

        @rule(user=st.sampled_from(USERS))
        def checkout(self, user):
            self.start_checkout(user)

        @rule(user=st.sampled_from(USERS), method=st.sampled_from(["card", "delayed"]))
        def checkout_and_pay(self, user, method):
            """The common path in one step, so that runs reach paid orders often."""
            session_id = self.start_checkout(user)
            if session_id and fake.get(session_id)["status"] == "open":
                fake.pay(session_id, method=method, deliver=False)

        @precondition(lambda self: self.truth.session_ids)
        @rule(data=st.data())
        def visit_success_page(self, data):
            session_id = data.draw(st.sampled_from(self.truth.session_ids))
            assert client.get(f"/checkout/success?session_id={session_id}").status_code < 500

        # --- Stripe ---
        @precondition(lambda self: self.truth.sessions(status="open"))
        @rule(data=st.data(), method=st.sampled_from(["card", "delayed"]))
        def pay(self, data, method):
            session = data.draw(st.sampled_from(self.truth.sessions(status="open")))
            fake.pay(session["id"], method=method, deliver=False)

        @precondition(lambda self: self.truth.sessions(status="complete", payment_status="unpaid"))
        @rule(data=st.data(), succeeded=st.booleans())
        def settle(self, data, succeeded):
            candidates = [s for s in self.truth.sessions(status="complete", payment_status="unpaid")
                          if self.truth.charge(s)["status"] == "pending"]
            if candidates:
                fake.settle(data.draw(st.sampled_from(candidates))["id"], succeeded=succeeded, deliver=False)

        @precondition(lambda self: self.truth.sessions(status="open"))
        @rule(data=st.data())
        def expire(self, data):
            fake.expire(data.draw(st.sampled_from(self.truth.sessions(status="open")))["id"])

        @precondition(lambda self: self.truth.sessions(payment_status="paid"))
        @rule(data=st.data(), amount=st.sampled_from([None, 200]))
        def refund(self, data, amount):
            charge = self.truth.charge(data.draw(st.sampled_from(self.truth.sessions(payment_status="paid"))))
            if charge["amount_refunded"] + (amount or 0) < charge["amount"]:
                fake.refund(charge["id"], amount)

        @precondition(lambda self: self.truth.sessions(payment_status="paid"))
        @rule(data=st.data())
        def dispute(self, data):
            charge = self.truth.charge(data.draw(st.sampled_from(self.truth.sessions(payment_status="paid"))))
            if not self.truth.disputes(charge["id"]):
                fake.create_dispute(charge["id"], deliver=False)

        def open_disputes(self) -> list[dict]:
            return [d for s in self.truth.sessions(payment_status="paid")
                    for d in self.truth.disputes(self.truth.charge(s)["id"]) if d["status"] == "needs_response"]

        @precondition(lambda self: self.open_disputes())
        @rule(data=st.data(), outcome=st.sampled_from(["won", "lost"]))
        def close_dispute(self, data, outcome):
            fake.close_dispute(data.draw(st.sampled_from(self.open_disputes()))["id"], status=outcome, deliver=False)

        # --- webhooks: any pending one, a duplicate of a delivered one, or all pending in reverse ---
        @precondition(lambda self: self.pending())
        @rule(data=st.data())
        def deliver_one(self, data):
            self.post(data.draw(st.sampled_from(self.pending())))

        @precondition(lambda self: self.delivered)
        @rule(data=st.data())
        def deliver_again(self, data):
            self.post(data.draw(st.sampled_from(self.delivered)))

        @precondition(lambda self: self.pending())
        @rule()
        def deliver_all_newest_first(self):
            for event in reversed(self.pending()):
                self.post(event)

        # --- admin ---
        @rule(user=st.sampled_from(USERS))
        def grant(self, user):
            # To any user, buyers included: the grant then outlives a refund or dispute of the purchase.
            result = runner.invoke(args=["entitlements", "grant", user, SLUG])
            assert result.exit_code == 0, result.output
            self.granted.add(user)

        @invariant()
        def holds_iff_paid_unrefunded_undisputed_or_granted(self):
            waiting = {self.truth.buyer_of_event(e) for e in self.pending()}
            for user in USERS:
                holds = self.holds(user)
                if user in self.granted:
                    assert holds, f"{user} was granted the pack by the admin but does not hold it"
                elif user not in waiting:
                    paid = [s["id"] for s in self.truth.sessions() if s["metadata"]["matrix_user_id"] == user
                            and self.truth.entitled(s)]
                    assert holds == bool(paid), f"{user} holds={holds} but entitled orders per Stripe: {paid}"

    return Money


def test_a_user_holds_a_pack_iff_paid_unrefunded_undisputed_or_granted(app, client, runner, fake_stripe):
    run_state_machine_as_test(money_machine(client, runner, fake_stripe), settings=MODEL_SETTINGS)


def test_a_grant_to_a_buyer_survives_a_dispute(client, runner, fake_stripe, alice, paid_pack):
    started = client.post("/api/v1/checkout", json={"pack": SLUG}, headers=alice.headers).get_json()
    [session] = [s for s in fake_stripe.sessions() if s["client_reference_id"] == started["order_id"]]
    [completed] = [e for e in fake_stripe.pay(session["id"], deliver=False)
                   if e["type"] == "checkout.session.completed"]
    body, headers = fake_stripe.webhook_request(completed)
    assert client.post("/stripe/webhook", data=body, headers=headers).status_code == 200
    assert runner.invoke(args=["entitlements", "grant", alice.user.matrix_id, SLUG]).exit_code == 0

    charge_id = fake_stripe.get(fake_stripe.get(session["id"])["payment_intent"])["latest_charge"]
    fake_stripe.create_dispute(charge_id, deliver=False)
    [created] = fake_stripe.events_of_type("charge.dispute.created")
    body, headers = fake_stripe.webhook_request(created)
    assert client.post("/stripe/webhook", data=body, headers=headers).status_code == 200

    listed = runner.invoke(args=["entitlements", "list", "--user", alice.user.matrix_id, "--pack", SLUG, "--active"])
    assert "1 entitlement(s)." in listed.output, listed.output
