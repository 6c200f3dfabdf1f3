"""Disputes on a creator's sale: the transfer is reversed for the disputed amount and transferred
back when the dispute is won, exactly once under duplicated and reordered events."""
from sqlalchemy import select

from app.extensions import db
from app.models import CreatorAdjustment
from tests.payments.connect_flows import creator_sale
from tests.payments.flows import order, post_event


def _adjustments():
    db.session.expire_all()
    return [(a.kind, a.creator_amount) for a in db.session.scalars(select(CreatorAdjustment).order_by(CreatorAdjustment.id))]


def _restores(fake, account_id):
    return [t for t in fake.objects_of("transfer") if t["metadata"].get("dispute")]


def test_dispute_reverses_then_a_won_dispute_transfers_back_once(client, fake_stripe, alice, bob):
    order_id = creator_sale(client, fake_stripe, alice, bob)
    sale = order(order_id)
    fake_stripe.create_dispute(sale.charge_id, deliver=False)
    created = fake_stripe.events_of_type("charge.dispute.created")[-1]
    for _ in range(3):  # duplicated deliveries
        assert post_event(client, fake_stripe, created).status_code == 200
    assert fake_stripe.get(sale.transfer_id)["amount_reversed"] == 850
    assert order(order_id).status == "disputed"
    reversals = fake_stripe.requests_to("POST", f"/v1/transfers/{sale.transfer_id}/reversals")
    assert {r["headers"]["Idempotency-Key"] for r in reversals} == {f"dispute-reversal-{created['data']['object']['id']}"}
    fake_stripe.close_dispute(created["data"]["object"]["id"], status="won", deliver=False)
    closed = fake_stripe.events_of_type("charge.dispute.closed")[-1]
    for _ in range(2):
        assert post_event(client, fake_stripe, closed).status_code == 200
    assert post_event(client, fake_stripe, created).status_code == 200  # a late duplicate of `created`
    restores = _restores(fake_stripe, sale.destination)
    assert [(t["amount"], t["destination"]) for t in restores] == [(850, sale.destination)]
    assert fake_stripe.get(sale.transfer_id)["amount_reversed"] == 850
    assert _adjustments() == [("dispute", 850), ("dispute_won", -850)]
    assert order(order_id).status == "paid"


def test_won_dispute_delivered_before_its_creation_moves_nothing(client, fake_stripe, alice, bob):
    order_id = creator_sale(client, fake_stripe, alice, bob, price=999, currency="jpy")
    sale = order(order_id)
    dispute = fake_stripe.create_dispute(sale.charge_id, deliver=False)
    created = fake_stripe.events_of_type("charge.dispute.created")[-1]
    closed = fake_stripe.close_dispute(dispute["id"], status="won", deliver=False)
    assert post_event(client, fake_stripe, closed).status_code == 200
    assert post_event(client, fake_stripe, created).status_code == 200
    assert post_event(client, fake_stripe, closed).status_code == 200
    assert fake_stripe.get(sale.transfer_id)["amount_reversed"] == 0
    assert _restores(fake_stripe, sale.destination) == [] and _adjustments() == []


def test_lost_dispute_keeps_the_reversal_and_refunds_count_first(client, fake_stripe, alice, bob):
    from app.payments.creator_refund_services import refund_creator_sale

    order_id = creator_sale(client, fake_stripe, alice, bob)
    sale = order(order_id)
    refund_creator_sale(order_id=order_id, kind="creator", reason="half", actor="@root:example.org", amount=500)
    dispute = fake_stripe.create_dispute(sale.charge_id, deliver=False)
    created = fake_stripe.events_of_type("charge.dispute.created")[-1]
    lost = fake_stripe.close_dispute(dispute["id"], status="lost", deliver=False)
    assert post_event(client, fake_stripe, lost).status_code == 200  # out of order: lost first
    assert post_event(client, fake_stripe, created).status_code == 200
    # 850 was transferred, 425 reversed by the refund: the dispute takes the other 425, not 1000.
    assert fake_stripe.get(sale.transfer_id)["reversed"] is True
    assert _adjustments() == [("refund_creator", 425), ("dispute", 425)]
    assert _restores(fake_stripe, sale.destination) == []
