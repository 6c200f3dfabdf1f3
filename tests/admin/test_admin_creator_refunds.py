"""The admin refund of a creator's sale: the kind is asked for, and each kind reaches Stripe as such."""
from __future__ import annotations

import pytest

from tests.admin.conftest import ROOT
from tests.factories import pack_row, signed_in_user
from tests.admin.orders_support import SECRET_KEY
from tests.payments.connect_flows import creator_sale
from tests.payments.flows import active_entitlements, order
from tests.support.web import sign_in_web


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings(SECRET_KEY)}


def test_the_api_needs_a_kind_for_a_creator_sale_and_passes_it_to_stripe(client, fake_stripe, alice, bob):
    order_id = creator_sale(client, fake_stripe, alice, bob)
    root = signed_in_user(ROOT)
    url = f"/api/v1/admin/orders/{order_id}/refund"
    for body in ({"reason": "broken"}, {"reason": "broken", "kind": "both"}, {"reason": "broken", "kind": ["x"]}):
        response = client.post(url, json=body, headers=root.headers)
        assert response.status_code == 400, body
        assert "creator" in response.get_json()["error"]
    assert fake_stripe.requests_to("POST", "/v1/refunds") == []
    response = client.post(url, json={"reason": "broken", "kind": "creator"}, headers=root.headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["refund"]["status"] == "refunded"
    sent = fake_stripe.requests_to("POST", "/v1/refunds")[-1]["params"]
    assert sent["reverse_transfer"] == "true" and sent["refund_application_fee"] == "true"
    assert order(order_id).status == "refunded" and active_entitlements(bob.user) == []


def test_the_console_offers_both_kinds_and_goodwill_leaves_the_transfer(client, fake_stripe, alice, bob):
    order_id = creator_sale(client, fake_stripe, alice, bob)
    csrf = sign_in_web(client, ROOT)
    page = client.get(f"/admin/orders/{order_id}").get_data(as_text=True)
    assert 'name="kind" value="creator"' in page and 'name="kind" value="goodwill"' in page
    response = client.post(f"/admin/orders/{order_id}/refund",
                           data={"csrf_token": csrf, "reason": "Sorry", "confirm": "yes", "kind": "goodwill"})
    assert response.status_code == 303
    sent = fake_stripe.requests_to("POST", "/v1/refunds")[-1]["params"]
    assert "reverse_transfer" not in sent and "refund_application_fee" not in sent
    assert fake_stripe.get(order(order_id).transfer_id)["amount_reversed"] == 0


def test_a_kind_is_refused_for_the_platforms_own_order(client, fake_stripe, bob):
    from tests.payments.flows import completed_event, post_event, start_checkout

    pack_row("hexes", price=500)
    started = start_checkout(client, bob, "hexes")
    session = next(s for s in fake_stripe.sessions() if s["client_reference_id"] == started["order_id"])
    post_event(client, fake_stripe, completed_event(fake_stripe.pay(session["id"], deliver=False)))
    response = client.post(f"/api/v1/admin/orders/{started['order_id']}/refund",
                           json={"reason": "x", "kind": "goodwill"}, headers=signed_in_user(ROOT).headers)
    assert response.status_code == 400
    assert fake_stripe.requests_to("POST", "/v1/refunds") == []
