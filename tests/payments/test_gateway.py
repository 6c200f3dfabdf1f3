"""The gateway against the fake: idempotency, errors, and the fake's own Stripe-like contract."""
import time

import pytest
import requests

from app.exceptions import NotFound, PaymentError
from app.payments.gateway import CheckoutRequest, get_gateway


# One expiry for the module: two calls a second apart must send identical params (idempotency).
EXPIRES_AT = int(time.time()) + 3600


def _request(**changes):
    values = dict(order_id="ord_gateway", pack_slug="hexes", pack_name="Hexes", amount=500, currency="usd",
                  matrix_user_id="@alice:example.org", success_url="http://x/s?session_id={CHECKOUT_SESSION_ID}",
                  cancel_url="http://x/c", expires_at=EXPIRES_AT)
    return CheckoutRequest(**{**values, **changes})


def test_same_order_same_session_and_changed_params_refused(app, fake_stripe):
    gateway = get_gateway()
    first = gateway.create_checkout_session(_request())
    assert gateway.create_checkout_session(_request()) == first
    assert len(fake_stripe.sessions()) == 1
    with pytest.raises(PaymentError):
        gateway.create_checkout_session(_request(amount=1))


def test_stripe_validation_errors_are_payment_errors(app, fake_stripe):
    with pytest.raises(PaymentError):
        get_gateway().create_checkout_session(_request(expires_at=int(time.time()) + 60))


def test_unknown_objects_are_not_found(app, fake_stripe):
    with pytest.raises(NotFound):
        get_gateway().retrieve_checkout_session("cs_test_missing")
    with pytest.raises(NotFound):
        get_gateway().retrieve_charge("ch_missing")


def test_one_client_per_configuration(app, fake_stripe):
    assert get_gateway() is get_gateway()
    app.config["STRIPE_SECRET_KEY"] = ""
    assert get_gateway() is None


def test_fake_requires_a_test_key_and_speaks_stripe_errors(fake_stripe):
    missing = requests.get(fake_stripe.api_base + "/v1/charges/ch_1", timeout=5)
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "invalid_request_error"
    headers = {"Authorization": "Bearer sk_test_abc"}
    unknown = requests.get(fake_stripe.api_base + "/v1/charges/ch_1", headers=headers, timeout=5)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == {"type": "invalid_request_error", "code": "resource_missing",
                                       "param": "id", "message": "No such charge: 'ch_1'"}
    bad = requests.post(fake_stripe.api_base + "/v1/checkout/sessions", data={"mode": "payment"},
                        headers=headers, timeout=5)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "line_items"


def test_fake_replays_idempotent_requests(fake_stripe):
    headers = {"Authorization": "Bearer sk_test_abc", "Idempotency-Key": "k1"}
    data = {"mode": "payment", "line_items[0][quantity]": "1", "line_items[0][price_data][currency]": "usd",
            "line_items[0][price_data][unit_amount]": "50", "line_items[0][price_data][product_data][name]": "X"}
    first = requests.post(fake_stripe.api_base + "/v1/checkout/sessions", data=data, headers=headers, timeout=5)
    again = requests.post(fake_stripe.api_base + "/v1/checkout/sessions", data=data, headers=headers, timeout=5)
    assert first.json()["id"] == again.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = requests.post(fake_stripe.api_base + "/v1/checkout/sessions", data={**data, "mode": "payment",
                          "line_items[0][price_data][unit_amount]": "60"}, headers=headers, timeout=5)
    assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"
