"""A paid pack is submitted once its creator has started payouts onboarding (Stripe Connect, fake)."""
from __future__ import annotations

import pytest

from tests.admin.orders_support import SECRET_KEY
from tests.payments.connect_flows import onboard, start_onboarding
from tests.studio.conftest import new_pack, upload
from tests.support.packs import png_bytes


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings(SECRET_KEY)}


def test_a_paid_pack_is_submitted_after_onboarding_starts_and_sold_once_active(client, fake_stripe, alice, bob):
    paid = new_pack(client, alice.headers, name="Paid", price_amount=299)
    assert upload(client, alice.headers, paid, {"a.png": png_bytes()}).status_code == 201
    refused = client.post(f"/api/v1/studio/packs/{paid}/submit", headers=alice.headers)
    assert refused.get_json()["errcode"] == "ORG.HEXPACK.PAYOUTS_NOT_READY"
    assert "Get paid" in refused.get_json()["error"]
    start_onboarding(client, alice)
    submitted = client.post(f"/api/v1/studio/packs/{paid}/submit", headers=alice.headers)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "in_review"
