"""What the admin orders tests share: a paid order through the fake Stripe, the admin's credentials,
and readers of what Stripe and the database hold."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Entitlement
from tests.admin.conftest import ROOT
from tests.factories import signed_in_user
from tests.payments.flows import completed_event, order, paid_session, post_event

SECRET_KEY = "sk_test_hexpack_suite"


def paid_order(client, fake, buyer, slug: str = "hexes") -> str:
    """Checkout, pay on the fake, deliver checkout.session.completed: the order's public id (paid)."""
    session, events = paid_session(client, fake, buyer, slug)
    response = post_event(client, fake, completed_event(events))
    assert response.status_code == 200 and response.get_json()["outcome"] == "granted", response.get_json()
    return session["client_reference_id"]


def admin_headers() -> dict:
    return signed_in_user(ROOT).headers


def audit_lines(public_id: str) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(line.actor, line.action) for line in db.session.scalars(
        select(AuditEvent).where(AuditEvent.target == f"order:{public_id}").order_by(AuditEvent.id))]


def audit_details(public_id: str, action: str) -> list[dict]:
    db.session.expire_all()
    return [line.details for line in db.session.scalars(
        select(AuditEvent).where(AuditEvent.target == f"order:{public_id}", AuditEvent.action == action))]


def entitlement(buyer, pack) -> Entitlement:
    db.session.expire_all()
    return db.session.scalar(select(Entitlement).where(Entitlement.user_id == buyer.user.id,
                                                       Entitlement.pack_id == pack.id))


def refunds_at_stripe(fake) -> list[dict]:
    return fake.objects_of("refund")


def set_created(public_id: str, when: datetime) -> None:
    row = order(public_id)
    row.created_at = when
    db.session.commit()


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def hexes():
    """The paid pack the orders tests sell ($5.00)."""
    from tests.factories import pack_row

    return pack_row("hexes", price=500)
