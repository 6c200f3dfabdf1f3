"""Success/cancel pages, order history, free adds, and the whole purchase over real HTTP."""
import re
from urllib.parse import urlsplit

import requests

from tests.payments.flows import (active_entitlements, completed_event, entitlements, order, paid_session,
                                  post_event, start_checkout)


def test_success_page_fulfils_idempotently(client, fake_stripe, alice, paid_pack):
    session, events = paid_session(client, fake_stripe, alice)
    for _ in range(2):
        page = client.get(f"/checkout/success?session_id={session['id']}")
        assert page.status_code == 200
        assert "Thank you!" in page.get_data(as_text=True)
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert len(entitlements(alice.user)) == 1
    # The webhook that follows finds the work done.
    assert post_event(client, fake_stripe, completed_event(events)).get_json()["outcome"] == "already"
    assert len(entitlements(alice.user)) == 1
    charge = fake_stripe.get(fake_stripe.get(session["payment_intent"])["latest_charge"])
    assert charge["receipt_url"] in page.get_data(as_text=True)


def test_success_page_before_payment_grants_nothing(client, fake_stripe, alice, paid_pack):
    started = start_checkout(client, alice)
    session_id = started["checkout_url"].rsplit("/", 1)[1]
    page = client.get(f"/checkout/success?session_id={session_id}")
    assert page.status_code == 200
    assert "Not paid yet" in page.get_data(as_text=True)
    assert entitlements(alice.user) == []


def test_success_page_for_unknown_sessions_is_404(client, fake_stripe):
    assert client.get("/checkout/success?session_id=cs_test_nope").status_code == 404
    assert client.get("/checkout/success?session_id=<script>").status_code == 404
    assert client.get("/checkout/success").status_code == 404


def test_cancel_page(client):
    page = client.get("/checkout/cancel?pack=hexes")
    assert page.status_code == 200
    assert "No payment was taken" in page.get_data(as_text=True)


def test_order_history(client, fake_stripe, alice, bob, paid_pack):
    session, events = paid_session(client, fake_stripe, alice)
    post_event(client, fake_stripe, completed_event(events))
    response = client.get("/api/v1/me/orders", headers=alice.headers)
    [entry] = response.get_json()["orders"]
    charge = fake_stripe.get(fake_stripe.get(session["payment_intent"])["latest_charge"])
    assert entry["id"] == session["client_reference_id"]
    assert entry["pack"] == {"slug": "hexes", "name": "Hexes"}
    assert (entry["amount"], entry["currency"], entry["status"]) == (500, "usd", "paid")
    assert entry["receipt_url"] == charge["receipt_url"]
    assert client.get("/api/v1/me/orders", headers=bob.headers).get_json() == {"orders": []}
    assert client.get("/api/v1/me/orders").status_code == 401


def test_add_free_pack(client, alice, free_pack, paid_pack):
    for _ in range(2):
        response = client.post("/api/v1/me/packs/freebies/add", headers=alice.headers)
        assert response.status_code == 200
        assert response.get_json() == {"pack": "freebies", "source": "free"}
    assert [e.source for e in entitlements(alice.user)] == ["free"]
    assert client.post("/api/v1/me/packs/hexes/add", headers=alice.headers).status_code == 400
    assert client.post("/api/v1/me/packs/nope/add", headers=alice.headers).status_code == 404
    assert client.post("/api/v1/me/packs/freebies/add").status_code == 401


def test_full_purchase_over_http(stripe_live, fake_stripe, alice, paid_pack):
    """Buy -> the fake's hosted Checkout page -> Pay -> signed webhook to the live app -> owned."""
    base = stripe_live.url
    started = requests.post(base + "/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers, timeout=10)
    assert started.status_code == 200
    checkout_url = started.json()["checkout_url"]

    hosted = requests.get(checkout_url, timeout=10)
    assert hosted.status_code == 200 and "Pay" in hosted.text and "Hexes" in hosted.text
    paid = requests.post(checkout_url, data={"method": "card"}, allow_redirects=False, timeout=10)
    assert paid.status_code == 303
    success_url = paid.headers["Location"]
    assert success_url.startswith(base + "/checkout/success?session_id=cs_test_")

    # Stripe's webhooks: charge.succeeded and payment_intent.succeeded (ignored), then the completion.
    assert fake_stripe.wait_for_delivery("checkout.session.completed") == [200]
    assert fake_stripe.wait_for_delivery("charge.succeeded") == [200]
    [entitlement] = active_entitlements(alice.user)
    assert entitlement.source == "purchase"

    page = requests.get(success_url, timeout=10)
    assert page.status_code == 200 and "Thank you!" in page.text
    history = requests.get(base + "/api/v1/me/orders", headers=alice.headers, timeout=10).json()["orders"]
    assert [(o["id"], o["status"]) for o in history] == [(started.json()["order_id"], "paid")]
    receipt = history[0]["receipt_url"]
    assert urlsplit(receipt).netloc == urlsplit(fake_stripe.checkout_base).netloc
    assert requests.get(receipt, timeout=10).status_code == 200

    # Buying it again is refused; a refund from the Dashboard takes it away.
    again = requests.post(base + "/api/v1/checkout", json={"pack": "hexes"}, headers=alice.headers, timeout=10)
    assert again.status_code == 409
    fake_stripe.refund(re.search(r"/receipts/(ch_\w+)", receipt).group(1))
    assert fake_stripe.wait_for_delivery("charge.refunded") == [200]
    assert active_entitlements(alice.user) == []
    assert order(started.json()["order_id"]).status == "refunded"


def test_a_burst_of_success_page_views_is_rate_limited(app, client, fake_stripe, alice, paid_pack):
    app.config["RATELIMIT_CHECKOUT_SUCCESS"] = "5 per minute"
    session_id = start_checkout(client, alice)["checkout_url"].rsplit("/", 1)[1]
    statuses = [client.get(f"/checkout/success?session_id={session_id}").status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    assert len(fake_stripe.requests_to("GET", f"/v1/checkout/sessions/{session_id}")) == 5
    other_address = client.get(f"/checkout/success?session_id={session_id}",
                               environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 200  # per client address


def test_the_default_success_page_limit_allows_a_few_reloads(app):
    assert app.config["RATELIMIT_CHECKOUT_SUCCESS"] == "10 per minute; 100 per hour"


def test_malformed_or_foreign_session_ids_never_reach_stripe(client, fake_stripe):
    for bad in ("<script>", "pi_123", "cs_", "cs_" + "a" * 201, "cs_abc/../../v1/charges", "cs_abc%00",
                "cs_test_abc def", "cs_test_nope"):
        assert client.get("/checkout/success", query_string={"session_id": bad}).status_code == 404
    assert fake_stripe.requests == []


def test_a_recorded_payment_is_shown_without_asking_stripe_again(client, fake_stripe, alice, paid_pack):
    session, events = paid_session(client, fake_stripe, alice)
    post_event(client, fake_stripe, completed_event(events))
    before = len(fake_stripe.requests)
    for _ in range(3):
        page = client.get(f"/checkout/success?session_id={session['id']}")
        assert page.status_code == 200 and "Thank you!" in page.get_data(as_text=True)
    assert len(fake_stripe.requests) == before
