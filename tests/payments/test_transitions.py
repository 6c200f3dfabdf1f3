"""Order status transitions without HTTP: every allowed and every refused move, on a real order row."""
from itertools import product

import pytest
from sqlalchemy import select, update

from app.auth.tokens import get_or_create_user
from app.extensions import db
from app.models import Order
from app.payments.states import (TRANSITIONS, UNSETTLED, IllegalTransition, OrderStatus, can_transition,
                                 order_for_update, sources_of, transition, update_if)
from tests.factories import pack_row

# The lifecycle written out independently of app/payments/states.py (PAYMENTS.md, "order status"):
# a Session is paid, fails or expires; a payment is refunded or disputed; a dispute is won or ends
# refunded; and a refund or dispute may overtake the completion of an unsettled order.
ALLOWED = {
    ("pending", "processing"), ("pending", "paid"), ("pending", "failed"), ("pending", "expired"),
    ("pending", "refunded"), ("pending", "disputed"),
    ("processing", "paid"), ("processing", "failed"), ("processing", "refunded"), ("processing", "disputed"),
    ("failed", "paid"), ("failed", "refunded"), ("failed", "disputed"),
    ("expired", "paid"), ("expired", "refunded"), ("expired", "disputed"),
    ("paid", "refunded"), ("paid", "disputed"),
    ("disputed", "paid"), ("disputed", "refunded"),
}
STATUSES = ["pending", "processing", "paid", "failed", "expired", "refunded", "disputed"]
PAIRS = list(product(STATUSES, STATUSES))
ALLOWED_PAIRS = [pair for pair in PAIRS if pair in ALLOWED]
REFUSED_PAIRS = [pair for pair in PAIRS if pair not in ALLOWED]


def order_with_status(app, status: str) -> Order:
    """A user's order for a new pack, stored with `status`."""
    user = get_or_create_user("@alice:example.org")
    pack = pack_row("hexes")
    order = Order(public_id=f"ord_{status}", user_id=user.id, pack_id=pack.id, amount=500, currency="usd",
                  status=status)
    db.session.add(order)
    db.session.commit()
    return order


def stored_status(order: Order) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Order.status).where(Order.id == order.id))


def test_the_statuses_are_the_documented_ones():
    assert sorted(OrderStatus) == sorted(STATUSES)
    assert set(TRANSITIONS) == set(OrderStatus)
    assert OrderStatus.PAID == "paid" and f"{OrderStatus.PAID}" == "paid"


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_the_table_allows_exactly_the_lifecycle(source, target):
    assert can_transition(source, target) is ((source, target) in ALLOWED)
    assert (OrderStatus(source) in sources_of(OrderStatus(target))) is ((source, target) in ALLOWED)


@pytest.mark.parametrize(("source", "target"), ALLOWED_PAIRS)
def test_an_allowed_transition_updates_the_row(app, source, target):
    order = order_with_status(app, source)
    before = order.updated_at
    assert transition(order, OrderStatus(target)) is True
    assert order.status == target  # the object is refreshed from the row
    db.session.commit()
    assert stored_status(order) == target
    assert order.updated_at >= before


@pytest.mark.parametrize(("source", "target"), REFUSED_PAIRS)
def test_a_refused_transition_leaves_the_row_alone(app, source, target):
    order = order_with_status(app, source)
    assert transition(order, OrderStatus(target), amount_refunded=123) is False
    db.session.commit()
    assert stored_status(order) == source
    assert db.session.get(Order, order.id).amount_refunded == 0  # nor any other value given with it


def test_only_from_narrows_the_sources(app):
    order = order_with_status(app, "disputed")
    # A completion pays only unsettled orders: a disputed one stays disputed.
    assert transition(order, OrderStatus.PAID, only_from=UNSETTLED) is False
    assert stored_status(order) == "disputed"
    assert transition(order, OrderStatus.PAID, only_from=(OrderStatus.DISPUTED,)) is True
    assert stored_status(order) == "paid"


def test_only_from_cannot_widen_the_table(app):
    order = order_with_status(app, "refunded")
    with pytest.raises(IllegalTransition):
        transition(order, OrderStatus.PAID, only_from=(OrderStatus.REFUNDED,))
    with pytest.raises(IllegalTransition):
        transition(order, OrderStatus.PROCESSING, only_from=(OrderStatus.PAID,))
    assert stored_status(order) == "refunded"


def test_a_transition_loses_to_a_status_written_meanwhile(app):
    """Compare-and-set: a stale in-memory status does not decide; the row's status does."""
    order = order_with_status(app, "pending")
    assert order.status == "pending"  # what this caller read earlier
    with db.engine.begin() as other:  # another transaction (a webhook) commits a payment meanwhile
        other.execute(update(Order.__table__).where(Order.__table__.c.id == order.id).values(status="paid"))
    assert order.status == "pending"
    assert transition(order, OrderStatus.EXPIRED) is False
    assert order.status == "paid"
    db.session.commit()
    assert stored_status(order) == "paid"


def test_update_if_changes_other_columns_only_in_the_given_statuses(app):
    order = order_with_status(app, "paid")
    assert update_if(order, (OrderStatus.PENDING,), refund_reason="duplicate") is False
    assert order.refund_reason is None
    assert update_if(order, (OrderStatus.PAID,), refund_reason="duplicate") is True
    db.session.commit()
    assert (stored_status(order), db.session.get(Order, order.id).refund_reason) == ("paid", "duplicate")


def test_order_for_update_finds_by_public_id_only(app):
    order = order_with_status(app, "pending")
    assert order_for_update(public_id=order.public_id).id == order.id
    assert order_for_update(public_id="ord_nope") is None
    assert order_for_update(public_id=None) is None
    assert order_for_update(public_id="") is None
