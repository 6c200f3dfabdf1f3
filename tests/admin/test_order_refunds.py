"""An operator refunds an order through the fake Stripe: one refund at Stripe, the pack released once,
and the charge.refunded webhook that follows (late, twice, or before our call returns) changes nothing
more; orders that cannot be refunded are refused; Stripe refusing or failing changes nothing here."""
from __future__ import annotations

import threading

import pytest

from app.admin.orders_services import refund_order
from tests.admin.conftest import ROOT
from tests.admin.orders_support import (SECRET_KEY, admin_headers, audit_details, audit_lines, entitlement, hexes,
                                        paid_order, refunds_at_stripe)
from tests.factories import order as order_row
from tests.payments.flows import order, post_event
from tests.support.wait import wait_until


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings(SECRET_KEY)}


@pytest.fixture
def paid_pack(app):
    return hexes()


def refund(client, public_id: str, reason="Buyer asked by email", headers=None):
    return client.post(f"/api/v1/admin/orders/{public_id}/refund", json={"reason": reason},
                       headers=headers or admin_headers())


def test_refund_then_the_webhook_twice_refunds_once_and_revokes_once(client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    response = refund(client, public_id, reason="  Buyer asked\n by email  ")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    [made] = refunds_at_stripe(fake_stripe)
    assert body["refund"] == {"id": made["id"], "amount_refunded": 500, "status": "refunded"}
    assert body["order"]["status"] == "refunded" and body["order"]["refund"] == {
        "amount_refunded": 500, "reason": "admin", "admin_reason": "Buyer asked by email"}
    [call] = fake_stripe.requests_to("POST", "/v1/refunds")
    assert call["headers"]["Idempotency-Key"] == f"refund-admin-{public_id}"
    assert call["params"]["reason"] == "requested_by_customer"
    assert call["params"]["metadata"] == {"order": public_id, "hexpack_reason": "admin"}
    held = entitlement(alice, paid_pack)
    assert (held.revoked_at is not None, held.revoke_reason) == (True, "refunded")
    revoked_at = held.revoked_at

    # Stripe's charge.refunded arrives afterwards, and again: nothing more happens.
    [event] = fake_stripe.events_of_type("charge.refunded")
    assert post_event(client, fake_stripe, event).get_json()["outcome"] == "refunded"
    assert post_event(client, fake_stripe, event).get_json()["outcome"] == "duplicate"
    assert len(refunds_at_stripe(fake_stripe)) == 1
    assert entitlement(alice, paid_pack).revoked_at == revoked_at
    assert (order(public_id).status, order(public_id).amount_refunded) == ("refunded", 500)
    assert audit_lines(public_id) == [("stripe", "order.paid"), (ROOT, "order.refund_requested"),
                                      (ROOT, "order.refunded")]
    [refunded] = audit_details(public_id, "order.refunded")
    assert (refunded["reason"], refunded["refund"], refunded["entitlement"]) == (
        "Buyer asked by email", made["id"], "released")
    # The buyer's own order list says so.
    mine = client.get("/api/v1/me/orders", headers=alice.headers).get_json()["orders"]
    assert [(o["status"], o["refund_reason"]) for o in mine] == [("refunded", "admin")]


def test_the_webhook_arriving_before_our_call_returns(app, client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    # Stripe makes the refund at once but its answer reaches us late; its webhook comes first.
    fake_stripe.hang_next(3, path="/v1/refunds", respond_first=True)
    results = []

    def operator():
        with app.app_context():
            results.append(refund_order(public_id, reason="Chargeback threat", actor=ROOT))

    worker = threading.Thread(target=operator)
    worker.start()
    wait_until(lambda: fake_stripe.events_of_type("charge.refunded"), message="the refund at Stripe")
    [event] = fake_stripe.events_of_type("charge.refunded")
    assert post_event(client, fake_stripe, event).get_json()["outcome"] == "refunded"
    assert order(public_id).status == "refunded"
    assert entitlement(alice, paid_pack).revoke_reason == "refunded"
    worker.join(30)
    [result] = results
    assert (result.status, result.released_here, result.amount_refunded) == ("refunded", False, 500)
    assert len(refunds_at_stripe(fake_stripe)) == 1
    assert order(public_id).refund_reason == "admin"
    assert audit_lines(public_id) == [("stripe", "order.paid"), (ROOT, "order.refund_requested"),
                                      ("stripe", "order.refunded")]
    detail = client.get(f"/api/v1/admin/orders/{public_id}", headers=admin_headers()).get_json()
    assert detail["refund"]["admin_reason"] == "Chargeback threat"


def test_a_double_click_refunds_once(app, fake_stripe, alice, paid_pack):
    public_id = paid_order(app.test_client(), fake_stripe, alice)
    headers = admin_headers()
    barrier, statuses = threading.Barrier(2), []

    def click():
        barrier.wait(5)
        statuses.append(refund(app.test_client(), public_id, headers=headers).status_code)

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join(30)
    assert sorted(statuses) in ([200, 200], [200, 409])
    assert len(refunds_at_stripe(fake_stripe)) == 1
    keys = {call["headers"]["Idempotency-Key"] for call in fake_stripe.requests_to("POST", "/v1/refunds")}
    assert keys == {f"refund-admin-{public_id}"}
    assert [action for _actor, action in audit_lines(public_id)].count("order.refunded") == 1
    assert entitlement(alice, paid_pack).revoke_reason == "refunded"
    # A third click, once it is done, is refused with the reason.
    again = refund(app.test_client(), public_id, headers=headers)
    assert again.status_code == 409
    assert again.get_json() == {"errcode": "ORG.HEXPACK.NOT_REFUNDABLE", "error": "This order is already refunded."}


@pytest.mark.parametrize("status, words", [
    ("pending", "never paid"), ("processing", "has not cleared"), ("expired", "never paid"),
    ("failed", "never paid"), ("disputed", "Answer it in the Stripe Dashboard"), ("refunded", "already refunded"),
])
def test_orders_that_cannot_be_refunded_are_refused_with_409(client, fake_stripe, alice, paid_pack, status, words):
    row = order_row(alice.user, paid_pack, status=status, payment_intent_id=f"pi_{status}")
    response = refund(client, row.public_id)
    assert response.status_code == 409
    assert response.get_json()["errcode"] == "ORG.HEXPACK.NOT_REFUNDABLE" and words in response.get_json()["error"]
    assert fake_stripe.requests_to("POST", "/v1/refunds") == []
    assert audit_lines(row.public_id) == []


def test_a_duplicate_being_refunded_and_an_unknown_order_are_refused(client, fake_stripe, alice, paid_pack):
    duplicate = order_row(alice.user, paid_pack, status="paid", payment_intent_id="pi_dup", refund_reason="duplicate")
    response = refund(client, duplicate.public_id)
    assert response.status_code == 409 and "refunded automatically" in response.get_json()["error"]
    missing = refund(client, "ord_nope")
    assert missing.status_code == 404 and missing.get_json()["errcode"] == "M_NOT_FOUND"
    assert fake_stripe.requests_to("POST", "/v1/refunds") == []


@pytest.mark.parametrize("reason", [None, "", "   ", 42, "x" * 501])
def test_a_reason_is_required_and_bounded(client, fake_stripe, alice, paid_pack, reason):
    public_id = paid_order(client, fake_stripe, alice)
    response = refund(client, public_id, reason=reason)
    assert response.status_code == 400 and response.get_json()["errcode"] == "M_INVALID_PARAM"
    assert "reason" in response.get_json()["error"]
    assert fake_stripe.requests_to("POST", "/v1/refunds") == [] and order(public_id).status == "paid"


def test_a_body_that_is_not_an_object_is_400(client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    response = client.post(f"/api/v1/admin/orders/{public_id}/refund", data="[1]", headers=admin_headers(),
                           content_type="application/json")
    assert response.status_code == 400 and response.get_json()["errcode"] == "M_NOT_JSON"


def test_stripe_refusing_changes_nothing_here(client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    fake_stripe.fail_next(400, "invalid_request_error", "This charge has been disputed and cannot be refunded.",
                          code="charge_disputed", path="/v1/refunds")
    response = refund(client, public_id)
    assert response.status_code == 502
    error = response.get_json()["error"]
    assert "Stripe refused the refund: This charge has been disputed" in error and "Stripe Dashboard" in error
    assert (order(public_id).status, order(public_id).refund_reason, order(public_id).amount_refunded) == (
        "paid", None, 0)
    assert entitlement(alice, paid_pack).revoked_at is None
    assert audit_lines(public_id)[-2:] == [(ROOT, "order.refund_requested"), (ROOT, "order.refund_failed")]
    assert "disputed" in audit_details(public_id, "order.refund_failed")[0]["error"]


def test_stripe_unavailable_then_a_retry_refunds_once(client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    fake_stripe.fail_next(503, times=3, path="/v1/refunds")  # the first try and the library's two retries
    response = refund(client, public_id)
    assert response.status_code == 502 and "unavailable" in response.get_json()["error"]
    assert order(public_id).status == "paid" and entitlement(alice, paid_pack).revoked_at is None
    assert refunds_at_stripe(fake_stripe) == []
    retried = refund(client, public_id)
    assert retried.status_code == 200
    assert len(refunds_at_stripe(fake_stripe)) == 1 and order(public_id).status == "refunded"


def test_a_duplicate_refund_stripe_refused_can_be_refunded_by_an_operator(client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    row = order(public_id)
    row.refund_reason = "duplicate_failed"
    from app.extensions import db
    db.session.commit()
    assert refund(client, public_id).status_code == 200
    assert (order(public_id).status, order(public_id).refund_reason) == ("refunded", "admin")


def test_a_charge_refunded_in_the_dashboard_meanwhile_is_recorded(client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    fake_stripe.refund(order(public_id).charge_id)  # its webhook has not reached us
    response = refund(client, public_id)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["refund"]["id"] is None
    assert len(refunds_at_stripe(fake_stripe)) == 1
    assert (order(public_id).status, order(public_id).refund_reason) == ("refunded", None)
    assert entitlement(alice, paid_pack).revoke_reason == "refunded"


def test_a_partly_refunded_order_gets_the_rest(client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    fake_stripe.refund(order(public_id).charge_id, 200)
    [partial] = fake_stripe.events_of_type("charge.refunded")
    assert post_event(client, fake_stripe, partial).get_json()["outcome"] == "partially_refunded"
    assert refund(client, public_id).status_code == 200
    assert [r["amount"] for r in refunds_at_stripe(fake_stripe)] == [200, 300]
    assert (order(public_id).status, order(public_id).amount_refunded) == ("refunded", 500)


def test_without_stripe_configured_the_refund_says_so(app, client, fake_stripe, alice, paid_pack):
    public_id = paid_order(client, fake_stripe, alice)
    app.config["STRIPE_SECRET_KEY"] = ""
    response = refund(client, public_id)
    assert response.status_code == 502 and "STRIPE_SECRET_KEY" in response.get_json()["error"]
    assert order(public_id).status == "paid"
