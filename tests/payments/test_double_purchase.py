"""One pack, one payment: no second Checkout while one can still be paid, and a second payment that
arrives anyway is refunded through Stripe; refunds and disputes never take away a pack that
another payment still pays for."""
import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Order, utcnow
from app.payments.gateway import CheckoutRequest, get_gateway
from tests import factories
from tests.payments.conftest import SECRET_KEY
from tests.payments.flows import (active_entitlements, completed_event, entitlements, order, paid_session,
                                  post_event, start_checkout)


def session_id_of(started: dict) -> str:
    return started["checkout_url"].rsplit("/", 1)[1]


def expires_soon(public_id: str, minutes: float = 3) -> None:
    """The order's Session has `minutes` left (Stripe's copy is left as it is: still open)."""
    db.session.execute(Order.__table__.update().where(Order.public_id == public_id)
                       .values(checkout_expires_at=utcnow() + timedelta(minutes=minutes)))
    db.session.commit()


def second_order(buyer, slug: str = "hexes") -> tuple[str, str]:
    """A second pending order with its own open Session, as the code before this fix could leave
    behind (or a Session made elsewhere): returns (order public id, Session id)."""
    first = db.session.scalar(select(Order).where(Order.user_id == buyer.user.id).order_by(Order.id))
    public_id = "ord_" + secrets.token_hex(12)
    expires_at = utcnow() + timedelta(hours=1)
    created = get_gateway().create_checkout_session(CheckoutRequest(
        order_id=public_id, pack_slug=slug, pack_name=slug.title(), amount=first.amount, currency=first.currency,
        matrix_user_id=buyer.user.matrix_id, success_url="http://127.0.0.1/s?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://127.0.0.1/c", expires_at=int(expires_at.timestamp())))
    factories.order(buyer.user, first.pack, public_id=public_id, amount=first.amount, currency=first.currency,
                    checkout_session_id=created.id, checkout_url=created.url, checkout_expires_at=expires_at)
    return public_id, created.id


def charge_of(fake, session_id: str) -> str:
    return fake.get(fake.get(session_id)["payment_intent"])["latest_charge"]


def holder(buyer):
    [entitlement] = entitlements(buyer.user)
    return entitlement


# --- 1 (a): a payment being processed ---

def test_checkout_while_a_payment_is_processing_is_refused(client, fake_stripe, alice, paid_pack):
    session, events = paid_session(client, fake_stripe, alice, method="delayed")
    assert post_event(client, fake_stripe, completed_event(events)).get_json()["outcome"] == "processing"

    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    assert response.status_code == 409
    assert response.get_json()["errcode"] == "ORG.HEXPACK.PAYMENT_PROCESSING"
    assert "A payment for Hexes is being processed" in response.get_json()["error"]
    assert len(fake_stripe.sessions()) == 1
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1

    # It fails: buying again is possible.
    [failed] = [e for e in fake_stripe.settle(session["id"], succeeded=False, deliver=False)
                if e["type"] == "checkout.session.async_payment_failed"]
    post_event(client, fake_stripe, failed)
    assert start_checkout(client, alice)["order_id"] != session["client_reference_id"]


# --- 1 (b): an older Session near its expiry ---

def test_a_session_near_expiry_is_expired_at_stripe_before_a_new_one(client, fake_stripe, alice, paid_pack):
    first = start_checkout(client, alice)
    expires_soon(first["order_id"])
    second = start_checkout(client, alice)
    assert second["order_id"] != first["order_id"]
    [expire] = fake_stripe.requests_to("POST", f"/v1/checkout/sessions/{session_id_of(first)}/expire")
    assert fake_stripe.get(session_id_of(first))["status"] == "expired"  # nobody can pay it now
    assert order(first["order_id"]).status == "expired"
    assert [s["status"] for s in fake_stripe.sessions()] == ["expired", "open"]
    # The order handed out now is reused until it nears its own expiry.
    assert start_checkout(client, alice) == second


def test_a_session_paid_just_before_its_replacement_is_recorded_not_doubled(client, fake_stripe, alice,
                                                                             paid_pack):
    first = start_checkout(client, alice)
    fake_stripe.pay(session_id_of(first), deliver=False)  # paid; the webhook is still on its way
    expires_soon(first["order_id"])

    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    assert response.status_code == 409
    assert response.get_json()["errcode"] == "ORG.HEXPACK.ALREADY_OWNED"
    assert len(fake_stripe.sessions()) == 1
    assert order(first["order_id"]).status == "paid"
    assert holder(alice).order_id == order(first["order_id"]).id and holder(alice).revoked_at is None


def test_a_delayed_payment_on_the_older_session_is_recorded_and_refused(client, fake_stripe, alice, paid_pack):
    first = start_checkout(client, alice)
    fake_stripe.pay(session_id_of(first), method="delayed", deliver=False)
    expires_soon(first["order_id"])
    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    assert response.status_code == 409
    assert response.get_json()["errcode"] == "ORG.HEXPACK.PAYMENT_PROCESSING"
    assert order(first["order_id"]).status == "processing"
    assert len(fake_stripe.sessions()) == 1


def test_no_new_session_while_stripe_cannot_close_the_older_one(client, fake_stripe, alice, paid_pack):
    first = start_checkout(client, alice)
    expires_soon(first["order_id"])
    fake_stripe.fail_next(500, times=3, path=r"/v1/checkout/sessions/cs_\w+/expire")
    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    assert response.status_code == 502
    assert len(fake_stripe.sessions()) == 1 and fake_stripe.get(session_id_of(first))["status"] == "open"
    assert order(first["order_id"]).status == "pending"

    second = start_checkout(client, alice)  # Stripe is back
    assert second["order_id"] != first["order_id"]
    assert fake_stripe.get(session_id_of(first))["status"] == "expired"


def test_an_older_session_at_another_price_is_closed_too(client, fake_stripe, alice, paid_pack):
    first = start_checkout(client, alice)
    paid_pack.price_amount = 700
    db.session.commit()
    second = start_checkout(client, alice)
    assert second["order_id"] != first["order_id"]
    assert fake_stripe.get(session_id_of(first))["status"] == "expired"
    assert order(second["order_id"]).amount == 700


# --- 3: a payment recorded while a checkout reads the open orders ---

def test_a_new_checkout_never_overwrites_a_payment_recorded_meanwhile(stripe_live, client, fake_stripe, alice,
                                                                      paid_pack):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time: the webhook cannot commit in between")
    fake_stripe.auto_deliver = False
    first = start_checkout(client, alice)
    events = fake_stripe.pay(session_id_of(first), deliver=False)
    db.session.execute(Order.__table__.update().where(Order.public_id == first["order_id"])
                       .values(checkout_expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()

    delivered = []

    def webhook_in_between(conn, cursor, statement, parameters, context, executemany):
        # Right after the checkout has read the user's open orders, the completion commits.
        if not delivered and statement.lstrip().startswith("SELECT") and "FROM orders" in statement \
                and "WHERE orders.user_id = " in statement:
            delivered.append(None)
            worker = threading.Thread(target=lambda: delivered.append(fake_stripe.deliver(completed_event(events))))
            worker.start()
            worker.join(20)

    event.listen(db.engine, "after_cursor_execute", webhook_in_between)
    try:
        response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    finally:
        event.remove(db.engine, "after_cursor_execute", webhook_in_between)
    assert delivered[1:] == [[200]]
    assert order(first["order_id"]).status == "paid"  # not "expired" written over it
    assert response.status_code == 409 and response.get_json()["errcode"] == "ORG.HEXPACK.ALREADY_OWNED"
    assert len(active_entitlements(alice.user)) == 1
    assert len(fake_stripe.sessions()) == 1


# --- 1 (c): a second payment that arrives anyway ---

def test_a_payment_for_a_pack_granted_meanwhile_is_refunded(client, runner, fake_stripe, alice, paid_pack):
    started = start_checkout(client, alice)
    assert runner.invoke(args=["entitlements", "grant", "@alice:example.org", "hexes"]).exit_code == 0
    fake_stripe.auto_deliver = False
    events = fake_stripe.pay(session_id_of(started), deliver=False)

    response = post_event(client, fake_stripe, completed_event(events))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "duplicate_refunded"
    [refund] = fake_stripe.requests_to("POST", "/v1/refunds")
    intent = fake_stripe.get(session_id_of(started))["payment_intent"]
    assert refund["params"]["payment_intent"] == intent and refund["params"]["reason"] == "duplicate"
    assert refund["headers"]["Idempotency-Key"] == f"refund-duplicate-{started['order_id']}"
    assert fake_stripe.get(charge_of(fake_stripe, session_id_of(started)))["refunded"] is True
    bought = order(started["order_id"])
    assert (bought.status, bought.refund_reason, bought.amount_refunded) == ("refunded", "duplicate", 500)
    assert holder(alice).source == "grant" and holder(alice).revoked_at is None

    # Stripe's own events about that refund change nothing more.
    [refunded] = fake_stripe.events_of_type("charge.refunded")
    assert post_event(client, fake_stripe, refunded).get_json()["outcome"] == "refunded"
    assert holder(alice).source == "grant" and holder(alice).revoked_at is None
    history = client.get("/api/v1/me/orders", headers=alice.headers).get_json()["orders"]
    assert [(o["status"], o["refund_reason"]) for o in history] == [("refunded", "duplicate")]


def test_the_success_page_refunds_a_duplicate_and_says_so(client, runner, fake_stripe, alice, paid_pack):
    started = start_checkout(client, alice)
    runner.invoke(args=["entitlements", "grant", "@alice:example.org", "hexes"])
    fake_stripe.auto_deliver = False
    events = fake_stripe.pay(session_id_of(started), deliver=False)
    page = client.get(f"/checkout/success?session_id={session_id_of(started)}")
    assert page.status_code == 200
    assert "was already yours, so this second payment has been refunded" in page.get_data(as_text=True)
    assert order(started["order_id"]).status == "refunded"
    # The webhook that follows finds it refunded and refunds nothing more.
    assert post_event(client, fake_stripe, completed_event(events)).get_json()["outcome"] == "refunded"
    assert len(fake_stripe.requests_to("POST", "/v1/refunds")) == 1


def test_a_duplicate_refund_cut_short_is_finished_by_the_retried_delivery(client, fake_stripe, alice, paid_pack):
    first = start_checkout(client, alice)
    second_id, second_session = second_order(alice)
    fake_stripe.auto_deliver = False
    post_event(client, fake_stripe, completed_event(fake_stripe.pay(session_id_of(first), deliver=False)))
    completion = completed_event(fake_stripe.pay(second_session, deliver=False))

    fake_stripe.fail_next(500, times=3, path="/v1/refunds")  # Stripe fails the refund: it stays due
    response = post_event(client, fake_stripe, completion)
    assert response.status_code == 502
    duplicate = order(second_id)
    assert (duplicate.status, duplicate.refund_reason) == ("paid", "duplicate")
    assert holder(alice).order_id == order(first["order_id"]).id

    again = post_event(client, fake_stripe, completion)  # Stripe delivers again
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert order(second_id).status == "refunded"
    assert fake_stripe.get(charge_of(fake_stripe, second_session))["amount_refunded"] == 500
    assert fake_stripe.get(charge_of(fake_stripe, session_id_of(first)))["amount_refunded"] == 0
    assert holder(alice).order_id == order(first["order_id"]).id and holder(alice).revoked_at is None
    keys = {r["headers"]["Idempotency-Key"] for r in fake_stripe.requests_to("POST", "/v1/refunds")}
    assert keys == {f"refund-duplicate-{second_id}"}


def test_concurrent_deliveries_of_a_duplicate_refund_it_once(stripe_live, client, fake_stripe, alice, paid_pack):
    fake_stripe.auto_deliver = False
    first = start_checkout(client, alice)
    second_id, second_session = second_order(alice)
    fake_stripe.deliver(completed_event(fake_stripe.pay(session_id_of(first), deliver=False)))
    completion = completed_event(fake_stripe.pay(second_session, deliver=False))
    assert fake_stripe.deliver(completion, times=8, concurrency=8) == [200] * 8
    refunds = fake_stripe.objects_of("refund")
    assert len(refunds) == 1 and refunds[0]["amount"] == 500
    assert order(second_id).status == "refunded"
    assert len(active_entitlements(alice.user)) == 1


# --- 2: refunds and disputes with two paid orders ---

def two_paid_orders(client, fake_stripe, buyer):
    """Order A granted the pack; order B paid it again and its refund could not be made yet."""
    first = start_checkout(client, buyer)
    second_id, second_session = second_order(buyer)
    fake_stripe.auto_deliver = False
    post_event(client, fake_stripe, completed_event(fake_stripe.pay(session_id_of(first), deliver=False)))
    completion = completed_event(fake_stripe.pay(second_session, deliver=False))
    fake_stripe.fail_next(500, times=3, path="/v1/refunds")
    assert post_event(client, fake_stripe, completion).status_code == 502
    return first["order_id"], session_id_of(first), second_id, second_session, completion


def test_a_refund_of_the_order_that_did_not_grant_changes_nothing(client, fake_stripe, alice, paid_pack):
    granting, granting_session, other, other_session, _completion = two_paid_orders(client, fake_stripe, alice)
    fake_stripe.refund(charge_of(fake_stripe, other_session))  # e.g. from the Dashboard
    [refunded] = fake_stripe.events_of_type("charge.refunded")
    assert post_event(client, fake_stripe, refunded).get_json()["outcome"] == "refunded"
    assert order(other).status == "refunded"
    assert holder(alice).order_id == order(granting).id and holder(alice).revoked_at is None
    # Nothing is left to refund automatically: our only attempts are the three that failed.
    ours = [r for r in fake_stripe.requests_to("POST", "/v1/refunds")
            if r["headers"]["Authorization"] == f"Bearer {SECRET_KEY}"]
    assert len(ours) == 3


def test_a_dispute_on_the_granting_order_moves_the_pack_to_the_other_paid_order(client, fake_stripe, alice,
                                                                                 paid_pack):
    granting, granting_session, other, other_session, completion = two_paid_orders(client, fake_stripe, alice)
    dispute = fake_stripe.create_dispute(charge_of(fake_stripe, granting_session))
    [created] = fake_stripe.events_of_type("charge.dispute.created")
    response = post_event(client, fake_stripe, created)
    assert response.status_code == 200 and response.get_json()["outcome"] == "moved"
    assert order(granting).status == "disputed"
    assert holder(alice).order_id == order(other).id and holder(alice).revoked_at is None

    # Stripe is back: the duplicate's refund goes through, and with it the last payment for the pack.
    assert post_event(client, fake_stripe, completion).get_json()["outcome"] == "duplicate"
    assert order(other).status == "refunded"
    assert active_entitlements(alice.user) == []
    assert holder(alice).revoke_reason == "refunded"

    # The dispute is won: the disputed payment stands again, and so does the pack.
    closed = fake_stripe.close_dispute(dispute["id"], status="won")
    assert post_event(client, fake_stripe, closed).get_json()["outcome"] == "restored"
    assert order(granting).status == "paid"
    assert holder(alice).order_id == order(granting).id and holder(alice).revoked_at is None
    assert len(fake_stripe.objects_of("refund")) == 1


def test_a_full_refund_of_the_granting_order_moves_the_pack(client, fake_stripe, alice, paid_pack):
    granting, granting_session, other, other_session, completion = two_paid_orders(client, fake_stripe, alice)
    fake_stripe.refund(charge_of(fake_stripe, granting_session))
    [refunded] = fake_stripe.events_of_type("charge.refunded")
    assert post_event(client, fake_stripe, refunded).get_json()["outcome"] == "refunded"
    assert holder(alice).order_id == order(other).id and holder(alice).revoked_at is None
    # Once it is, no payment stands for the pack any more.
    assert post_event(client, fake_stripe, completion).get_json()["outcome"] == "duplicate"
    assert order(other).status == "refunded" and active_entitlements(alice.user) == []


def test_a_dispute_won_while_a_new_purchase_holds_the_pack_refunds_the_later_payment(client, fake_stripe, alice,
                                                                                      paid_pack):
    """A disputed, the user buys again (B), then A's dispute is won: two payments; A is refunded."""
    fake_stripe.auto_deliver = False
    session, events = paid_session(client, fake_stripe, alice)
    post_event(client, fake_stripe, completed_event(events))
    dispute = fake_stripe.create_dispute(charge_of(fake_stripe, session["id"]))
    post_event(client, fake_stripe, fake_stripe.events_of_type("charge.dispute.created")[0])
    assert active_entitlements(alice.user) == []

    again = start_checkout(client, alice)
    post_event(client, fake_stripe, completed_event(fake_stripe.pay(session_id_of(again), deliver=False)))
    assert holder(alice).order_id == order(again["order_id"]).id

    closed = fake_stripe.close_dispute(dispute["id"], status="won")
    assert post_event(client, fake_stripe, closed).get_json()["outcome"] == "duplicate_refunded"
    first = order(session["client_reference_id"])
    assert (first.status, first.refund_reason) == ("refunded", "duplicate")
    assert holder(alice).order_id == order(again["order_id"]).id and holder(alice).revoked_at is None
    assert order(again["order_id"]).status == "paid"


def test_a_refund_stripe_refuses_for_good_is_left_to_the_operator(client, runner, fake_stripe, alice, paid_pack,
                                                                   caplog):
    started = start_checkout(client, alice)
    runner.invoke(args=["entitlements", "grant", "@alice:example.org", "hexes"])
    fake_stripe.auto_deliver = False
    events = fake_stripe.pay(session_id_of(started), deliver=False)
    fake_stripe.fail_next(400, "invalid_request_error", "This charge is disputed.", code="charge_disputed",
                          path="/v1/refunds")
    response = post_event(client, fake_stripe, completed_event(events))
    assert response.status_code == 200  # retrying would not help; a person must look
    refused = order(started["order_id"])
    assert (refused.status, refused.refund_reason) == ("paid", "duplicate_failed")
    assert "refund it by hand" in caplog.text
    assert post_event(client, fake_stripe, completed_event(events)).get_json()["outcome"] == "duplicate"
    assert len(fake_stripe.requests_to("POST", "/v1/refunds")) == 1  # not retried on every delivery


def test_an_older_session_stripe_does_not_know_is_given_up(client, fake_stripe, alice, paid_pack):
    first = start_checkout(client, alice)
    expires_soon(first["order_id"])
    with fake_stripe.lock:  # e.g. the server was switched to another Stripe account
        del fake_stripe.objects[session_id_of(first)]
    second = start_checkout(client, alice)
    assert second["order_id"] != first["order_id"]
    assert order(first["order_id"]).status == "expired"
