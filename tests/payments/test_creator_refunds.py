"""Refunds of a creator's sale, both kinds, through the use case the admin console calls."""
import pytest
from sqlalchemy import select

from app.exceptions import Conflict, InvalidInput
from app.extensions import db
from app.models import AuditEvent, CreatorAdjustment
from app.payments.creator_refund_services import RefundKind, refund_creator_sale
from tests.payments.connect_flows import creator_sale
from tests.payments.flows import active_entitlements, order

ADMIN = "@root:example.org"


def _audit(order_id):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "order.refund",
                                                       AuditEvent.target == f"order:{order_id}")).all()


def test_creator_attributable_refund_reverses_the_transfer_and_the_fee(client, fake_stripe, alice, bob):
    order_id = creator_sale(client, fake_stripe, alice, bob)
    sale = order(order_id)
    part = refund_creator_sale(order_id=order_id, kind="creator", reason="Pack was broken", actor=ADMIN, amount=400)
    assert (part.amount, part.reversed_from_creator, part.fee_refunded) == (400, 340, 60)
    sent = fake_stripe.requests_to("POST", "/v1/refunds")[-1]["params"]
    assert sent["reverse_transfer"] == "true" and sent["refund_application_fee"] == "true"
    assert fake_stripe.get(sale.transfer_id)["amount_reversed"] == 340
    assert order(order_id).status == "paid" and order(order_id).amount_refunded == 400
    rest = refund_creator_sale(order_id=order_id, kind=RefundKind.CREATOR, reason="And the rest", actor=ADMIN)
    assert (rest.amount, rest.reversed_from_creator, rest.fee_refunded, rest.status) == (600, 510, 90, "refunded")
    assert fake_stripe.get(sale.transfer_id)["reversed"] is True
    assert fake_stripe.get(sale.application_fee_id)["refunded"] is True
    assert active_entitlements(bob.user) == []
    lines = _audit(order_id)
    assert [(line.actor, line.details["kind"], line.details["reason"]) for line in lines] == [
        (ADMIN, "creator", "Pack was broken"), (ADMIN, "creator", "And the rest")]
    with pytest.raises(Conflict):
        refund_creator_sale(order_id=order_id, kind="creator", reason="again", actor=ADMIN)


def test_goodwill_refund_leaves_the_creator_paid(client, fake_stripe, alice, bob):
    order_id = creator_sale(client, fake_stripe, alice, bob, price=999, currency="jpy")
    sale = order(order_id)
    done = refund_creator_sale(order_id=order_id, kind="goodwill", reason="Sorry for the wait", actor=ADMIN)
    assert (done.amount, done.reversed_from_creator, done.fee_refunded, done.status) == (999, 0, 0, "refunded")
    sent = fake_stripe.requests_to("POST", "/v1/refunds")[-1]["params"]
    assert "reverse_transfer" not in sent and "refund_application_fee" not in sent
    assert fake_stripe.get(sale.transfer_id)["amount_reversed"] == 0
    assert fake_stripe.get(sale.application_fee_id)["amount_refunded"] == 0
    adjustment = db.session.scalar(select(CreatorAdjustment))
    assert (adjustment.kind, adjustment.amount, adjustment.creator_amount) == ("refund_goodwill", 999, 0)
    assert _audit(order_id)[0].details["kind"] == "goodwill"


def test_bad_requests_lose_nothing(client, fake_stripe, alice, bob, paid_pack):
    order_id = creator_sale(client, fake_stripe, alice, bob)
    for kind, reason, amount in (("creator", "", None), ("both", "x", None), ("creator", "x", 0),
                                 ("creator", "x", 1001), ("creator", "x", True)):
        with pytest.raises(InvalidInput):
            refund_creator_sale(order_id=order_id, kind=kind, reason=reason, actor=ADMIN, amount=amount)
    assert fake_stripe.requests_to("POST", "/v1/refunds") == [] and order(order_id).status == "paid"
