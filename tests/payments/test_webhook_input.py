"""Issue 13, items 2 and 4 for POST /stripe/webhook: oversized bodies are 413 before the signature is
checked; a correctly signed body that is not an event we can process is 400 and logged (not a 500
Stripe would retry for days); a large-but-allowed event still goes through."""
import json
import logging

import pytest

from app.payments.views import WEBHOOK_MAX_BYTES
from tests.payments.flows import active_entitlements, completed_event, event_rows, paid_session

REFUSAL = "Refused a signed Stripe webhook we cannot process"


def _signed(fake, body: bytes) -> dict:
    return {"Content-Type": "application/json", "Stripe-Signature": fake.sign(body)}


def _event(**changes) -> dict:
    event = {"id": "evt_1", "object": "event", "type": "checkout.session.completed", "created": 1,
             "livemode": False, "data": {"object": {"id": "cs_test_1", "object": "checkout.session"}}}
    event.update(changes)
    return event


MALFORMED = {
    "array": b"[]",
    "array of an event": json.dumps([_event()]).encode(),
    "string": b'"evt_1"',
    "no data": json.dumps(_event(data=None)).encode(),
    "no data.object": json.dumps(_event(data={})).encode(),
    "data.object is a list": json.dumps(_event(data={"object": [1]})).encode(),
    "no data.object.id": json.dumps(_event(data={"object": {"object": "checkout.session"}})).encode(),
    "numeric data.object.id": json.dumps(_event(data={"object": {"id": 7}})).encode(),
    "no type": json.dumps({k: v for k, v in _event().items() if k != "type"}).encode(),
    "no id": json.dumps({k: v for k, v in _event().items() if k != "id"}).encode(),
    "thin v2 event": json.dumps({"id": "evt_1", "object": "v2.core.event", "type": "x"}).encode(),
    "depth bomb": b"[" * 100000,
    "not JSON": b"id=evt_1",
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_signed_malformed_event_is_400_and_logged(client, fake_stripe, caplog, name):
    body = MALFORMED[name]
    with caplog.at_level(logging.ERROR, logger="app.payments.webhooks"):
        response = client.post("/stripe/webhook", data=body, headers=_signed(fake_stripe, body))
    assert response.status_code == 400 and response.get_json()["errcode"] == "M_BAD_JSON"
    refusals = [r for r in caplog.records if r.getMessage().startswith(REFUSAL)]
    assert len(refusals) == 1 and f"{len(body)} bytes" in refusals[0].getMessage()
    assert event_rows() == 0


@pytest.mark.parametrize("body, signed", [(MALFORMED["array"], False), (b'{"id": "\xff"}', True)])
def test_what_cannot_be_verified_is_still_an_invalid_signature(client, fake_stripe, body, signed):
    """Unsigned, or not UTF-8 (Stripe signs text; its verifier cannot read anything else)."""
    headers = _signed(fake_stripe, body) if signed else {"Stripe-Signature": "t=1,v1=00"}
    response = client.post("/stripe/webhook", data=body, headers=headers)
    assert response.status_code == 400 and response.get_json()["errcode"] == "M_FORBIDDEN"


@pytest.mark.parametrize("signed", [False, True])
def test_an_oversized_body_is_413_whether_signed_or_not(client, fake_stripe, signed):
    body = b'{"id": "evt_big", "padding": "' + b"x" * WEBHOOK_MAX_BYTES + b'"}'
    headers = _signed(fake_stripe, body) if signed else {"Stripe-Signature": "t=1,v1=bogus"}
    response = client.post("/stripe/webhook", data=body, headers=headers)
    assert response.status_code == 413 and response.get_json()["errcode"] == "M_TOO_LARGE"
    assert event_rows() == 0


def test_a_large_event_under_the_limit_is_processed(client, fake_stripe, alice, paid_pack):
    _session, events = paid_session(client, fake_stripe, alice)
    event = completed_event(events)
    body = json.dumps({**event, "padding": "x" * (WEBHOOK_MAX_BYTES - 8 * 1024)}).encode()
    assert len(body) <= WEBHOOK_MAX_BYTES
    response = client.post("/stripe/webhook", data=body, headers=_signed(fake_stripe, body))
    assert response.status_code == 200, response.get_json()
    assert len(active_entitlements(alice.user)) == 1 and event_rows() == 1
