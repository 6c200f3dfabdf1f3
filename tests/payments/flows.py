"""Steps the payments tests share: start a checkout through the API, pay it on the fake, read state."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Entitlement, Order, StripeEvent


def start_checkout(client, buyer, slug: str = "hexes") -> dict:
    response = client.post("/api/v1/checkout", json={"pack": slug}, headers=buyer.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def paid_session(client, fake, buyer, slug: str = "hexes", **pay) -> tuple[dict, list[dict]]:
    """Checkout + Pay on the fake, events not delivered: returns (session, events)."""
    started = start_checkout(client, buyer, slug)
    session = next(s for s in fake.sessions() if s["client_reference_id"] == started["order_id"])
    events = fake.pay(session["id"], deliver=False, **pay)
    return fake.get(session["id"]), events


def completed_event(events: list[dict]) -> dict:
    return next(e for e in events if e["type"] == "checkout.session.completed")


def post_event(client, fake, event: dict, **sign):
    body, headers = fake.webhook_request(event, **sign)
    return client.post("/stripe/webhook", data=body, headers=headers)


def order(public_id: str) -> Order:
    db.session.expire_all()
    return db.session.scalar(select(Order).where(Order.public_id == public_id))


def entitlements(user) -> list[Entitlement]:
    db.session.expire_all()
    return list(db.session.scalars(select(Entitlement).where(Entitlement.user_id == user.id)))


def active_entitlements(user) -> list[Entitlement]:
    return [e for e in entitlements(user) if e.revoked_at is None]


def event_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(StripeEvent))
