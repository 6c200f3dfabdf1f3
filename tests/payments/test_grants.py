"""An operator grant to a user who bought the pack outlives a refund or dispute of that purchase,
and never costs the buyer or the seller money (found by tests/payments/test_money_model.py)."""
import pytest

from tests.payments.flows import active_entitlements, completed_event, entitlements, order, paid_session, post_event


@pytest.fixture
def bought_then_granted(client, runner, fake_stripe, alice, paid_pack):
    session, events = paid_session(client, fake_stripe, alice)
    fake_stripe.auto_deliver = False
    assert post_event(client, fake_stripe, completed_event(events)).get_json()["outcome"] == "granted"
    granted = runner.invoke(args=["entitlements", "grant", alice.matrix_id, "hexes"])
    assert granted.exit_code == 0 and f"Granted hexes to {alice.matrix_id}." in granted.output
    [entitlement] = entitlements(alice.user)
    assert entitlement.source == "grant" and entitlement.order_id == order(session["client_reference_id"]).id
    return session


def test_granting_twice_changes_nothing_the_second_time(runner, alice, bought_then_granted):
    again = runner.invoke(args=["entitlements", "grant", alice.matrix_id, "hexes"])
    assert "already has hexes (source: grant); nothing changed." in again.output


def test_a_full_refund_of_the_purchase_keeps_the_granted_pack(client, fake_stripe, alice, bought_then_granted):
    session = bought_then_granted
    fake_stripe.refund(fake_stripe.get(session["payment_intent"])["latest_charge"])
    assert post_event(client, fake_stripe, fake_stripe.events_of_type("charge.refunded")[-1]).status_code == 200
    assert order(session["client_reference_id"]).status == "refunded"
    [entitlement] = active_entitlements(alice.user)
    assert entitlement.source == "grant"


def test_a_won_dispute_keeps_the_payment_and_the_grant(client, fake_stripe, alice, bought_then_granted):
    session = bought_then_granted
    dispute = fake_stripe.create_dispute(fake_stripe.get(session["payment_intent"])["latest_charge"])
    post_event(client, fake_stripe, fake_stripe.events_of_type("charge.dispute.created")[0])
    assert order(session["client_reference_id"]).status == "disputed"
    assert len(active_entitlements(alice.user)) == 1

    closed = fake_stripe.close_dispute(dispute["id"], status="won")
    assert post_event(client, fake_stripe, closed).get_json()["outcome"] == "restored"
    won = order(session["client_reference_id"])
    # Paid again and not refunded as a duplicate: the grant sits on this same purchase.
    assert (won.status, won.refund_reason, won.amount_refunded) == ("paid", None, 0)
    assert fake_stripe.objects_of("refund") == []
    [entitlement] = active_entitlements(alice.user)
    assert entitlement.source == "grant"


def test_an_operator_revoke_still_takes_a_granted_pack_away(runner, alice, bought_then_granted):
    assert runner.invoke(args=["entitlements", "revoke", alice.matrix_id, "hexes"]).exit_code == 0
    assert active_entitlements(alice.user) == []
