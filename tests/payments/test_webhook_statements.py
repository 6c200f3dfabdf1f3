"""What one webhook delivery costs the database, in statements (bench/webhooks.py measures the time).

A new completion: the event's lookup, then one transaction that records it, locks the order with
its buyer and pack, updates it, inserts the entitlement and writes the audit line. A duplicate: the
lookup and the due-refund checks. More statements per delivery is a regression to look at.
"""
from contextlib import contextmanager

from sqlalchemy import event as sa_event

from app.extensions import db
from app.models import AuditEvent
from tests.payments.flows import active_entitlements, completed_event, order, paid_session, post_event


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split(None, 1)[0].upper())

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


def test_a_new_completion_costs_six_statements_and_a_duplicate_three(client, fake_stripe, alice, paid_pack):
    session, events = paid_session(client, fake_stripe, alice)
    event = completed_event(events)
    with counted_statements() as first:
        assert post_event(client, fake_stripe, event).get_json()["outcome"] == "granted"
    with counted_statements() as again:
        assert post_event(client, fake_stripe, event).get_json()["outcome"] == "duplicate"
    assert first == ["SELECT", "INSERT", "SELECT", "UPDATE", "INSERT", "INSERT"]
    assert again == ["SELECT"] * 3
    bought = order(session["client_reference_id"])
    assert bought.status == "paid" and bought.charge_id and bought.receipt_url
    [entitlement] = active_entitlements(alice.user)
    assert (entitlement.order_id, entitlement.source) == (bought.id, "purchase")
    [line] = db.session.query(AuditEvent).filter_by(target=f"order:{bought.public_id}").all()
    assert (line.action, line.details["user"], line.details["pack"]) == ("order.paid", alice.user.matrix_id, "hexes")
