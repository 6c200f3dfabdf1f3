"""POST /stripe/webhook: signatures, once-only processing, ordering, failures, concurrency."""
import logging
import time

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from devtools.net import free_port
from tests.payments.flows import (active_entitlements, completed_event, entitlements, event_rows, order,
                                  paid_session, post_event)
from tests.support.wait import wait_until


@pytest.fixture
def paid(client, fake_stripe, alice, paid_pack):
    """A Session alice has paid on the fake; no webhook delivered yet."""
    session, events = paid_session(client, fake_stripe, alice)
    return session, completed_event(events)


def test_valid_completion_grants_the_pack(client, fake_stripe, alice, paid):
    session, event = paid
    response = post_event(client, fake_stripe, event)
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "outcome": "granted"}
    [entitlement] = active_entitlements(alice.user)
    bought = order(session["client_reference_id"])
    assert (entitlement.source, entitlement.order_id) == ("purchase", bought.id)
    intent = fake_stripe.get(session["payment_intent"])
    charge = fake_stripe.get(intent["latest_charge"])
    assert bought.status == "paid"
    assert (bought.payment_intent_id, bought.charge_id, bought.receipt_url) == (
        intent["id"], charge["id"], charge["receipt_url"])
    assert event_rows() == 1


@pytest.mark.parametrize("tamper", ["body", "secret", "stale", "missing", "garbage"])
def test_unverifiable_deliveries_are_400_and_change_nothing(client, fake_stripe, alice, paid, tamper):
    _session, event = paid
    body, headers = fake_stripe.webhook_request(
        event, secret="whsec_wrong" if tamper == "secret" else None,
        timestamp=int(time.time()) - 301 if tamper == "stale" else None)
    if tamper == "body":
        body = body.replace(b'"livemode": false', b'"livemode": false ')
    elif tamper == "missing":
        del headers["Stripe-Signature"]
    elif tamper == "garbage":
        headers["Stripe-Signature"] = "nonsense"
    response = client.post("/stripe/webhook", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["errcode"] == "M_FORBIDDEN"
    assert entitlements(alice.user) == [] and event_rows() == 0


def test_timestamp_inside_tolerance_is_accepted(client, fake_stripe, alice, paid):
    _session, event = paid
    assert post_event(client, fake_stripe, event, timestamp=int(time.time()) - 250).status_code == 200
    assert len(active_entitlements(alice.user)) == 1


def test_rolled_secrets_both_verify(app, client, fake_stripe, alice, paid):
    app.config["STRIPE_WEBHOOK_SECRET"] = "whsec_new_one, " + fake_stripe.webhook_secret
    _session, event = paid
    assert post_event(client, fake_stripe, event).status_code == 200
    other = fake_stripe.raw_event("customer.created", {"id": "cus_1", "object": "customer"})
    assert post_event(client, fake_stripe, other, secret="whsec_new_one").status_code == 200


def test_replayed_event_is_processed_once(client, fake_stripe, alice, paid):
    _session, event = paid
    first = post_event(client, fake_stripe, event)
    again = post_event(client, fake_stripe, event)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["outcome"] == "duplicate"
    assert len(entitlements(alice.user)) == 1 and event_rows() == 1


def test_same_event_20_times_concurrently_grants_once(stripe_live, fake_stripe, alice, paid):
    session, event = paid
    statuses = fake_stripe.deliver(event, times=20, concurrency=20)
    assert statuses == [200] * 20
    assert len(entitlements(alice.user)) == 1
    assert event_rows() == 1
    assert order(session["client_reference_id"]).status == "paid"


def test_completion_and_success_page_racing_grant_once(stripe_live, fake_stripe, alice, paid):
    import requests
    from concurrent.futures import ThreadPoolExecutor

    session, event = paid
    success = f"{stripe_live.url}/checkout/success?session_id={session['id']}"
    with ThreadPoolExecutor(10) as pool:
        pages = [pool.submit(requests.get, success, timeout=30) for _ in range(5)]
        hooks = [pool.submit(fake_stripe.deliver, event) for _ in range(5)]
        assert [p.result().status_code for p in pages] == [200] * 5
        assert [h.result() for h in hooks] == [[200]] * 5
    assert len(entitlements(alice.user)) == 1


def test_unknown_event_types_are_ignored_with_200(client, fake_stripe):
    event = fake_stripe.raw_event("customer.subscription.created", {"id": "sub_1", "object": "subscription"})
    response = post_event(client, fake_stripe, event)
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "ignored"
    assert event_rows() == 0  # nothing to de-duplicate: unhandled types are not recorded


def test_event_from_the_other_mode_is_ignored(client, fake_stripe, alice, paid, caplog):
    session, _event = paid
    live = fake_stripe.event("checkout.session.completed", session["id"], livemode=True)
    with caplog.at_level(logging.WARNING):
        response = post_event(client, fake_stripe, live)
    assert response.get_json()["outcome"] == "ignored"
    assert "livemode=True" in caplog.text
    assert entitlements(alice.user) == []


def test_amount_mismatch_is_refused_and_logged(client, fake_stripe, alice, paid, caplog):
    session, event = paid
    fake_stripe.tamper(session["id"], amount_subtotal=1, amount_total=1)
    with caplog.at_level(logging.ERROR):
        response = post_event(client, fake_stripe, event)
    assert response.status_code == 200  # permanent: retrying would not help
    assert response.get_json()["outcome"] == "refused"
    assert "amount_subtotal 1 != 500" in caplog.text
    assert entitlements(alice.user) == []
    assert order(session["client_reference_id"]).status == "pending"


def test_currency_mismatch_is_refused(client, fake_stripe, alice, paid):
    session, event = paid
    fake_stripe.tamper(session["id"], currency="eur")
    assert post_event(client, fake_stripe, event).get_json()["outcome"] == "refused"
    assert entitlements(alice.user) == []


def test_session_that_is_not_ours_is_acknowledged(client, fake_stripe, alice, paid):
    session, event = paid
    fake_stripe.tamper(session["id"], client_reference_id="ord_someone_else")
    assert post_event(client, fake_stripe, event).get_json()["outcome"] == "unknown"
    assert entitlements(alice.user) == []


def test_refund_arriving_before_completion_ends_refunded(client, fake_stripe, alice, paid):
    session, completion = paid
    fake_stripe.auto_deliver = False
    charge_id = fake_stripe.get(session["payment_intent"])["latest_charge"]
    fake_stripe.refund(charge_id)
    [refunded] = fake_stripe.events_of_type("charge.refunded")
    assert post_event(client, fake_stripe, refunded).get_json()["outcome"] == "refunded"
    assert post_event(client, fake_stripe, completion).get_json()["outcome"] == "refunded"
    assert active_entitlements(alice.user) == []
    bought = order(session["client_reference_id"])
    assert (bought.status, bought.amount_refunded, bought.charge_id) == ("refunded", 500, charge_id)


def test_completion_after_an_undelivered_refund_does_not_grant(client, fake_stripe, alice, paid):
    session, completion = paid
    fake_stripe.auto_deliver = False
    fake_stripe.refund(fake_stripe.get(session["payment_intent"])["latest_charge"])
    assert post_event(client, fake_stripe, completion).get_json()["outcome"] == "refunded"
    assert active_entitlements(alice.user) == []
    assert order(session["client_reference_id"]).status == "refunded"


def test_full_refund_revokes_and_partial_keeps(client, fake_stripe, alice, paid):
    session, completion = paid
    fake_stripe.auto_deliver = False
    post_event(client, fake_stripe, completion)
    charge_id = fake_stripe.get(session["payment_intent"])["latest_charge"]

    fake_stripe.refund(charge_id, 200)
    partial = fake_stripe.events_of_type("charge.refunded")[-1]
    assert post_event(client, fake_stripe, partial).get_json()["outcome"] == "partially_refunded"
    assert len(active_entitlements(alice.user)) == 1
    bought = order(session["client_reference_id"])
    assert (bought.status, bought.amount_refunded) == ("paid", 200)

    fake_stripe.refund(charge_id)
    rest = fake_stripe.events_of_type("charge.refunded")[-1]
    assert post_event(client, fake_stripe, rest).get_json()["outcome"] == "refunded"
    [entitlement] = entitlements(alice.user)
    assert (entitlement.revoked_at is not None, entitlement.revoke_reason) == (True, "refunded")
    assert (order(session["client_reference_id"]).status, order(session["client_reference_id"]).amount_refunded) \
        == ("refunded", 500)


def test_an_older_partial_refund_event_arriving_last_does_not_restore(client, fake_stripe, alice, paid):
    session, completion = paid
    fake_stripe.auto_deliver = False
    post_event(client, fake_stripe, completion)
    charge_id = fake_stripe.get(session["payment_intent"])["latest_charge"]
    fake_stripe.refund(charge_id, 200)
    fake_stripe.refund(charge_id)
    partial, full = fake_stripe.events_of_type("charge.refunded")
    assert partial["data"]["object"]["refunded"] is False
    assert post_event(client, fake_stripe, full).get_json()["outcome"] == "refunded"
    # The older event's snapshot says "partial", but the handler re-reads the charge from Stripe.
    assert post_event(client, fake_stripe, partial).get_json()["outcome"] == "refunded"
    assert active_entitlements(alice.user) == []


def test_dispute_revokes_and_a_won_dispute_restores(client, fake_stripe, alice, paid):
    session, completion = paid
    fake_stripe.auto_deliver = False
    post_event(client, fake_stripe, completion)
    charge_id = fake_stripe.get(session["payment_intent"])["latest_charge"]
    dispute = fake_stripe.create_dispute(charge_id)
    [created] = fake_stripe.events_of_type("charge.dispute.created")
    assert post_event(client, fake_stripe, created).get_json()["outcome"] == "revoked"
    [entitlement] = entitlements(alice.user)
    assert entitlement.revoke_reason == "dispute"
    assert order(session["client_reference_id"]).status == "disputed"

    closed = fake_stripe.close_dispute(dispute["id"], status="won")
    assert post_event(client, fake_stripe, closed).get_json()["outcome"] == "restored"
    [entitlement] = entitlements(alice.user)
    assert entitlement.revoked_at is None and entitlement.source == "purchase"
    assert order(session["client_reference_id"]).status == "paid"


def test_lost_dispute_stays_revoked(client, fake_stripe, alice, paid):
    session, completion = paid
    fake_stripe.auto_deliver = False
    post_event(client, fake_stripe, completion)
    dispute = fake_stripe.create_dispute(fake_stripe.get(session["payment_intent"])["latest_charge"])
    post_event(client, fake_stripe, fake_stripe.events_of_type("charge.dispute.created")[0])
    closed = fake_stripe.close_dispute(dispute["id"], status="lost")
    assert post_event(client, fake_stripe, closed).get_json()["outcome"] == "already"
    assert active_entitlements(alice.user) == []


def test_dispute_closed_won_before_created_arrives_grants(client, fake_stripe, alice, paid):
    session, completion = paid
    fake_stripe.auto_deliver = False
    dispute = fake_stripe.create_dispute(fake_stripe.get(session["payment_intent"])["latest_charge"])
    created = fake_stripe.events_of_type("charge.dispute.created")[0]
    closed = fake_stripe.close_dispute(dispute["id"], status="won")
    # created arrives first but Stripe already says "won": nothing to revoke.
    assert post_event(client, fake_stripe, created).get_json()["outcome"] == "already"
    assert post_event(client, fake_stripe, completion).get_json()["outcome"] == "granted"
    assert post_event(client, fake_stripe, closed).get_json()["outcome"] == "already"
    assert len(active_entitlements(alice.user)) == 1


def test_delayed_payment_grants_only_when_it_clears(client, fake_stripe, alice, paid_pack):
    session, events = paid_session(client, fake_stripe, alice, method="delayed")
    assert post_event(client, fake_stripe, completed_event(events)).get_json()["outcome"] == "processing"
    assert entitlements(alice.user) == []
    assert order(session["client_reference_id"]).status == "processing"
    [succeeded] = [e for e in fake_stripe.settle(session["id"], deliver=False)
                   if e["type"] == "checkout.session.async_payment_succeeded"]
    assert post_event(client, fake_stripe, succeeded).get_json()["outcome"] == "granted"
    assert len(active_entitlements(alice.user)) == 1


def test_delayed_payment_that_fails_marks_the_order_failed(client, fake_stripe, alice, paid_pack):
    session, events = paid_session(client, fake_stripe, alice, method="delayed")
    post_event(client, fake_stripe, completed_event(events))
    [failed] = [e for e in fake_stripe.settle(session["id"], succeeded=False, deliver=False)
                if e["type"] == "checkout.session.async_payment_failed"]
    assert post_event(client, fake_stripe, failed).get_json()["outcome"] == "failed"
    assert order(session["client_reference_id"]).status == "failed"
    assert entitlements(alice.user) == []


def test_expired_session_marks_the_order_expired(client, fake_stripe, alice, paid_pack):
    from tests.payments.flows import start_checkout

    started = start_checkout(client, alice)
    fake_stripe.auto_deliver = False
    session_id = started["checkout_url"].rsplit("/", 1)[1]
    fake_stripe.expire(session_id)
    [expired] = fake_stripe.events_of_type("checkout.session.expired")
    assert post_event(client, fake_stripe, expired).get_json()["outcome"] == "expired"
    assert order(started["order_id"]).status == "expired"
    # A new click starts a new order and Session.
    assert start_checkout(client, alice)["order_id"] != started["order_id"]


def test_database_unreachable_is_5xx_and_a_later_retry_succeeds(app_config, client, fake_stripe, alice, paid):
    _session, event = paid
    broken_url = (f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
                  if app_config["DATABASE_URL"].startswith("postgresql") else "sqlite:////nonexistent/dir/x.db")
    broken = create_app({**app_config, "DATABASE_URL": broken_url})
    body, headers = fake_stripe.webhook_request(event)
    with broken.app_context():
        response = broken.test_client().post("/stripe/webhook", data=body, headers=headers)
        db.session.remove()
        db.engine.dispose()
    # An outage, not a bug: 503 with Retry-After (app/errors.py); Stripe retries any non-2xx.
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert entitlements(alice.user) == []

    retry = client.post("/stripe/webhook", data=body, headers=headers)
    assert retry.status_code == 200 and retry.get_json()["outcome"] == "granted"
    assert len(active_entitlements(alice.user)) == 1


def test_failure_mid_transaction_leaves_nothing_half_written(client, fake_stripe, alice, paid):
    session, event = paid
    db.session.execute(text("ALTER TABLE entitlements RENAME TO entitlements_away"))
    db.session.commit()
    try:
        response = post_event(client, fake_stripe, event)
    finally:
        db.session.rollback()
        db.session.execute(text("ALTER TABLE entitlements_away RENAME TO entitlements"))
        db.session.commit()
    assert response.status_code == 500
    assert event_rows() == 0  # the event row was rolled back with the order update
    assert order(session["client_reference_id"]).status == "pending"

    retry = post_event(client, fake_stripe, event)
    assert retry.status_code == 200 and retry.get_json()["outcome"] == "granted"
    assert len(active_entitlements(alice.user)) == 1 and event_rows() == 1


def test_stripe_unavailable_while_re_reading_is_5xx_then_retried(client, fake_stripe, alice, paid):
    _session, event = paid
    fake_stripe.fail_next(503, "api_error", "overloaded", times=3)
    assert post_event(client, fake_stripe, event).status_code == 502
    assert event_rows() == 0
    assert post_event(client, fake_stripe, event).get_json()["outcome"] == "granted"


def test_webhook_without_payments_configured_is_refused(app, client, fake_stripe, paid):
    _session, event = paid
    app.config["STRIPE_SECRET_KEY"] = ""
    assert post_event(client, fake_stripe, event).status_code == 400


def test_a_stale_dispute_created_applied_after_the_won_closure_does_not_revoke(stripe_live, fake_stripe, alice,
                                                                                paid):
    """`created` is read from Stripe (needs_response), the dispute is won and `closed` applied, and only
    then does the slow `created` delivery reach its database write."""
    import threading

    session, completion = paid
    fake_stripe.auto_deliver = False
    assert fake_stripe.deliver(completion) == [200]
    dispute = fake_stripe.create_dispute(fake_stripe.get(session["payment_intent"])["latest_charge"])
    [created] = fake_stripe.events_of_type("charge.dispute.created")

    # The first reading of the dispute for `created` is answered late, with the state of its arrival.
    fake_stripe.hang_next(1.5, path=f"/v1/disputes/{dispute['id']}", respond_first=True)
    late = []
    worker = threading.Thread(target=lambda: late.append(fake_stripe.deliver(created)))
    worker.start()
    wait_until(lambda: fake_stripe.requests_to("GET", f"/v1/disputes/{dispute['id']}"), timeout=5, interval=0.01,
               message="the first reading of the dispute")
    closed = fake_stripe.close_dispute(dispute["id"], status="won")
    assert fake_stripe.deliver(closed) == [200]
    worker.join(20)

    assert late == [[200]]
    assert [status for _id, kind, status in fake_stripe.deliveries if kind.startswith("charge.dispute")] == [200, 200]
    assert len(active_entitlements(alice.user)) == 1
    assert order(session["client_reference_id"]).status == "paid"
