"""POST /api/v1/checkout: the Checkout Session Hexpack asks Stripe for, and when it refuses."""
import threading
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db
from app.models import Order, utcnow
from app.payments.gateway import STRIPE_API_VERSION
from tests.factories import pack_row
from tests.payments.conftest import SECRET_KEY
from tests.payments.flows import start_checkout


def test_checkout_creates_a_session_with_the_right_params(client, fake_stripe, alice, paid_pack):
    started = start_checkout(client, alice)
    assert started["order_id"].startswith("ord_")
    assert started["checkout_url"].startswith(fake_stripe.checkout_base + "/c/pay/cs_test_")

    [sent] = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    params, headers = sent["params"], sent["headers"]
    assert params["mode"] == "payment"
    assert params["line_items"] == [{"quantity": "1", "price_data": {
        "currency": "usd", "unit_amount": "500",
        "product_data": {"name": "Hexes", "metadata": {"pack": "hexes"}}}}]
    assert params["client_reference_id"] == started["order_id"]
    metadata = {"order": started["order_id"], "pack": "hexes", "matrix_user_id": "@alice:example.org"}
    assert params["metadata"] == metadata
    assert params["payment_intent_data"] == {"metadata": metadata}
    assert params["success_url"] == "http://127.0.0.1/checkout/success?session_id={CHECKOUT_SESSION_ID}"
    assert params["cancel_url"] == "http://127.0.0.1/checkout/cancel?pack=hexes"
    assert abs(int(params["expires_at"]) - (time.time() + 3600)) < 60
    assert "allow_promotion_codes" not in params
    assert headers["Idempotency-Key"] == f"checkout-{started['order_id']}"
    assert headers["Stripe-Version"] == STRIPE_API_VERSION
    assert headers["Authorization"] == f"Bearer {SECRET_KEY}"

    order = db.session.scalar(select(Order))
    assert (order.status, order.amount, order.currency) == ("pending", 500, "usd")
    assert order.checkout_session_id == started["checkout_url"].rsplit("/", 1)[1]


def test_promotion_codes_when_enabled(app, client, fake_stripe, alice, paid_pack):
    app.config["STRIPE_ALLOW_PROMOTION_CODES"] = True
    start_checkout(client, alice)
    [sent] = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert sent["params"]["allow_promotion_codes"] == "true"


def test_price_comes_from_the_database_not_the_request(client, fake_stripe, alice, paid_pack):
    response = client.post("/api/v1/checkout", json={"pack": "hexes", "amount": 1, "currency": "jpy"},
                           headers=alice.headers)
    assert response.status_code == 200
    [sent] = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert sent["params"]["line_items"][0]["price_data"]["unit_amount"] == "500"


def test_double_click_makes_one_session_and_one_order(client, fake_stripe, alice, paid_pack):
    first = start_checkout(client, alice)
    second = start_checkout(client, alice)
    assert first == second
    assert len(fake_stripe.sessions()) == 1
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_simultaneous_clicks_make_one_session(stripe_live, fake_stripe, alice, paid_pack):
    results, barrier = [], threading.Barrier(5)

    def click():
        barrier.wait()
        results.append(requests.post(stripe_live.url + "/api/v1/checkout", json={"pack": "hexes"},
                                     headers=alice.headers, timeout=30))

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200] * 5
    assert len({r.json()["checkout_url"] for r in results}) == 1
    assert len(fake_stripe.sessions()) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_an_expired_pending_order_is_not_reused(client, fake_stripe, alice, paid_pack):
    first = start_checkout(client, alice)
    order = db.session.scalar(select(Order))
    order.checkout_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    second = start_checkout(client, alice)
    assert second["order_id"] != first["order_id"]
    assert len(fake_stripe.sessions()) == 2
    db.session.expire_all()
    assert db.session.scalar(select(Order.status).where(Order.public_id == first["order_id"])) == "expired"


def test_owned_pack_is_refused(client, runner, fake_stripe, alice, paid_pack):
    assert runner.invoke(args=["entitlements", "grant", "@alice:example.org", "hexes"]).exit_code == 0
    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    assert response.status_code == 409
    assert response.get_json() == {"errcode": "ORG.HEXPACK.ALREADY_OWNED", "error": "You already own Hexes."}
    assert fake_stripe.requests == []


def test_unknown_and_unpublished_packs_are_404(client, fake_stripe, alice, paid_pack):
    pack_row("drafty", status="draft")
    for slug in ("nope", "drafty"):
        response = client.post("/api/v1/checkout", json={"pack": slug}, headers=alice.headers)
        assert response.status_code == 404
        assert response.get_json()["errcode"] == "M_NOT_FOUND"
    assert fake_stripe.requests == []


def test_free_pack_is_added_not_bought(client, alice, free_pack):
    response = client.post("/api/v1/checkout", json={"pack": "freebies"}, headers=alice.headers)
    assert response.status_code == 400
    assert "/api/v1/me/packs/freebies/add" in response.get_json()["error"]


def test_without_stripe_key_paid_packs_are_not_for_sale(app, client, fake_stripe, alice, paid_pack):
    app.config["STRIPE_SECRET_KEY"] = ""
    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    assert response.status_code == 409
    assert response.get_json()["errcode"] == "ORG.HEXPACK.NOT_FOR_SALE"
    assert "not for sale" in response.get_json()["error"]
    assert fake_stripe.requests == []
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_checkout_needs_a_token_and_a_body(client, alice, paid_pack):
    assert client.post("/api/v1/checkout", json={"pack": "hexes"}).status_code == 401
    bad = client.post("/api/v1/checkout", data="x", headers=alice.headers)
    assert bad.status_code == 400
    assert bad.get_json()["errcode"] == "M_NOT_JSON"  # not a JSON object (tests/test_hostile_input.py)
    no_pack = client.post("/api/v1/checkout", json={"pack": 1}, headers=alice.headers)
    assert no_pack.status_code == 400
    assert no_pack.get_json()["errcode"] == "M_INVALID_PARAM"


def test_stripe_down_is_a_safe_502_and_a_retry_reuses_the_order(client, fake_stripe, alice, paid_pack):
    fake_stripe.fail_next(500, "api_error", "secret internal detail", times=3)  # the library retries twice
    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    assert response.status_code == 502
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert "unavailable" in response.get_json()["error"]
    assert len(fake_stripe.requests_to("POST", "/v1/checkout/sessions")) == 3

    retried = start_checkout(client, alice)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert retried["order_id"] == db.session.scalar(select(Order.public_id))


def test_stripe_rejecting_our_key_is_reported_as_misconfiguration(app, client, fake_stripe, alice, paid_pack):
    app.config["STRIPE_SECRET_KEY"] = "sk_live_not_accepted_by_the_fake"
    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    assert response.status_code == 502
    assert "misconfigured" in response.get_json()["error"]


def test_a_stripe_that_never_answers_fails_the_checkout_in_bounded_time(client, fake_stripe, alice, paid_pack):
    """Stripe accepts the connection and says nothing: three attempts, each cut by the read timeout."""
    fake_stripe.hang_next(120, times=3, path="/v1/checkout/sessions")
    started = time.monotonic()
    response = client.post("/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers)
    elapsed = time.monotonic() - started
    assert response.status_code == 504, response.get_json()
    assert response.get_json() == {"errcode": "M_UNKNOWN",
                                   "error": "The payment service did not answer in time; please retry."}
    # Heroku's router gives up after 30 s: 3 attempts x 8 s read timeout + ~1.5 s of back-off.
    assert elapsed < 60  # bounded (three 8 s attempts), not the library's 80 s x 3; generous for a busy CI
    assert len(fake_stripe.requests_to("POST", "/v1/checkout/sessions")) == 3

    retried = start_checkout(client, alice)  # Stripe is back: the same order gets its Session
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert retried["order_id"] == db.session.scalar(select(Order.public_id))


def test_stripe_timeouts_are_upstream_errors_from_the_gateway(app, fake_stripe):
    from app.exceptions import PaymentTimeout, UpstreamError
    from app.payments.gateway import get_gateway

    fake_stripe.hang_next(120, times=3)
    started = time.monotonic()
    with pytest.raises(UpstreamError) as raised:
        get_gateway().retrieve_charge("ch_slow")
    assert isinstance(raised.value, PaymentTimeout) and raised.value.status == 504
    assert time.monotonic() - started < 30
