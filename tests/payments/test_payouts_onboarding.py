"""Creators' onboarding with Stripe Connect against the fake: the account is created once with the
issue's parameters, its state follows thin events (fetched, not trusted), each endpoint only takes
its own secret, and payout.failed reaches the creator through the bot."""
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, BotMessage
from tests.payments.connect_flows import account_row, post_connect, post_thin, start_onboarding
from tests.support.web import sign_in_web


def test_onboarding_from_none_to_active_through_thin_events(client, fake_stripe, alice):
    assert client.get("/api/v1/studio/payouts", headers=alice.headers).get_json() == {
        "status": "none", "requirements": []}
    url = start_onboarding(client, alice)
    assert url.startswith(fake_stripe.checkout_base + "/setup/s/")
    again = start_onboarding(client, alice)
    assert again != url and len(fake_stripe.objects_of("v2.core.account")) == 1
    created = fake_stripe.requests_to("POST", "/v2/core/accounts")
    assert {r["headers"]["Idempotency-Key"] for r in created} == {f"connect-account-{alice.user.id}"}
    params = created[0]["params"]
    assert params["dashboard"] == "express" and params["metadata"]["matrix_user_id"] == "@alice:example.org"
    assert params["configuration"] == {"recipient": {"capabilities": {"stripe_balance": {
        "stripe_transfers": {"requested": True}}}}}
    assert params["defaults"]["responsibilities"] == {"fees_collector": "application",
                                                      "losses_collector": "application"}
    link = fake_stripe.requests_to("POST", "/v2/core/account_links")[0]["params"]["use_case"]
    assert link["account_onboarding"]["return_url"] == "http://127.0.0.1/studio?payouts=1"
    assert link["account_onboarding"]["refresh_url"] == "http://127.0.0.1/studio/payouts/refresh"
    pending = client.get("/api/v1/studio/payouts", headers=alice.headers).get_json()
    assert pending["status"] == "pending" and "external_account" in pending["requirements"]
    assert "dashboard_url" not in pending
    account_id = account_row(alice).stripe_account_id
    capability, requirements = fake_stripe.activate_account(account_id, deliver=False)
    # Reordered: the requirements event first; each one re-reads the account, so order does not matter.
    assert post_thin(client, fake_stripe, requirements).get_json()["outcome"] == "active"
    assert post_thin(client, fake_stripe, capability).get_json()["outcome"] == "active"
    assert post_thin(client, fake_stripe, capability).get_json()["outcome"] == "duplicate"
    active = client.get("/api/v1/studio/payouts", headers=alice.headers).get_json()
    assert active["status"] == "active" and active["requirements"] == []
    assert active["dashboard_url"].startswith(fake_stripe.checkout_base + "/express/")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("payouts.onboarding_started") == 1 and actions.count("payouts.account_status") == 1


def test_restricted_and_closed_accounts_and_return_reads_the_account(client, fake_stripe, alice):
    start_onboarding(client, alice)
    account_id = account_row(alice).stripe_account_id
    fake_stripe.restrict_account(account_id, deliver=False)
    # Nothing delivered: returning from Stripe reads the account itself.
    summary = client.get("/api/v1/studio/payouts?refresh=1", headers=alice.headers).get_json()
    assert summary == {"status": "restricted", "requirements": ["individual.verification.document"]}
    fake_stripe.activate_account(account_id, deliver=False)
    closed = fake_stripe.close_account(account_id, deliver=False)[0]
    assert post_thin(client, fake_stripe, closed).get_json()["outcome"] == "restricted"
    assert account_row(alice).closed is True


def test_each_endpoint_takes_only_its_own_secret(client, fake_stripe, alice):
    start_onboarding(client, alice)
    account_id = account_row(alice).stripe_account_id
    event = fake_stripe.activate_account(account_id, deliver=False)[0]
    for secret in (fake_stripe.webhook_secret, fake_stripe.connect_secret, "whsec_wrong"):
        refused = post_thin(client, fake_stripe, event, secret=secret)
        assert refused.status_code == 400, secret
    assert account_row(alice).status == "pending"
    body, headers = fake_stripe.thin_request(event)
    assert client.post("/stripe/webhook", data=body, headers=headers).status_code == 400
    assert client.post("/stripe/connect-webhook", data=body, headers=headers).status_code == 400
    assert post_thin(client, fake_stripe, event).status_code == 200


def test_payout_failed_tells_the_creator_once(client, fake_stripe, alice):
    start_onboarding(client, alice)
    account_id = account_row(alice).stripe_account_id
    event = fake_stripe.fail_payout(account_id, 2500, deliver=False)
    assert post_connect(client, fake_stripe, event, secret=fake_stripe.events_secret).status_code == 400
    assert post_connect(client, fake_stripe, event).get_json()["outcome"] == "notified"
    assert post_connect(client, fake_stripe, event).get_json()["outcome"] == "duplicate"
    messages = db.session.scalars(select(BotMessage).where(BotMessage.recipient == "@alice:example.org")).all()
    assert len(messages) == 1 and "$25.00" in messages[0].body


def test_cookie_sessions_need_csrf_and_refresh_makes_a_new_link(client, fake_stripe):
    anonymous = client.post("/api/v1/studio/payouts/onboarding")
    assert anonymous.status_code == 401
    assert client.get("/studio/payouts/refresh").status_code == 302
    token = sign_in_web(client, "@carol:example.org")
    assert client.post("/api/v1/studio/payouts/onboarding").status_code == 400  # no CSRF token
    made = client.post("/api/v1/studio/payouts/onboarding", headers={"X-CSRFToken": token})
    assert made.status_code == 200 and made.get_json()["url"].startswith(fake_stripe.checkout_base)
    refreshed = client.get("/studio/payouts/refresh")
    assert refreshed.status_code == 303 and refreshed.headers["Location"] != made.get_json()["url"]
    assert len(fake_stripe.objects_of("v2.core.account")) == 1


def test_signed_bodies_that_are_not_events_are_refused_and_logged(client, fake_stripe):
    for body in (b"not json", b"[1, 2]", b'{"object": "event", "id": "evt_1", "type": "x"}', b'{"id": "evt_1"}'):
        signed = {"Stripe-Signature": fake_stripe.sign(body, secret=fake_stripe.events_secret)}
        answer = client.post("/stripe/events", data=body, headers=signed)
        assert answer.status_code == 400, body
        signed = {"Stripe-Signature": fake_stripe.sign(body, secret=fake_stripe.connect_secret)}
        assert client.post("/stripe/connect-webhook", data=body, headers=signed).status_code == 400, body


def test_onboarding_needs_connect_configured(app, client, fake_stripe, alice):
    app.config["STRIPE_EVENTS_SECRET"] = ""
    refused = client.post("/api/v1/studio/payouts/onboarding", headers=alice.headers)
    assert refused.status_code == 409 and refused.get_json()["errcode"] == "ORG.HEXPACK.PAYOUTS_DISABLED"
    assert fake_stripe.objects_of("v2.core.account") == []
