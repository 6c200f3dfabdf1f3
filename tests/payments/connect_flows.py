"""Steps the Connect tests share: onboard a creator through the API and the fake's thin events."""
from __future__ import annotations

from app.extensions import db
from app.models import ConnectedAccount


def post_thin(client, fake, event: dict, **sign):
    body, headers = fake.thin_request(event, **sign)
    return client.post("/stripe/events", data=body, headers=headers)


def post_connect(client, fake, event: dict, *, secret: str | None = None):
    body, headers = fake.webhook_request(event, secret=secret or fake.connect_secret)
    return client.post("/stripe/connect-webhook", data=body, headers=headers)


def start_onboarding(client, creator) -> str:
    response = client.post("/api/v1/studio/payouts/onboarding", headers=creator.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["url"]


def account_row(creator) -> ConnectedAccount | None:
    db.session.expire_all()
    return db.session.query(ConnectedAccount).filter_by(user_id=creator.user.id).one_or_none()


def onboard(client, fake, creator) -> str:
    """Onboard `creator` to active; returns their connected account id."""
    start_onboarding(client, creator)
    account_id = account_row(creator).stripe_account_id
    for event in fake.activate_account(account_id, deliver=False):
        assert post_thin(client, fake, event).status_code == 200
    return account_id


def creator_sale(client, fake, creator, buyer, *, slug: str = "alices", price: int = 1000,
                 currency: str = "usd") -> str:
    """`buyer` buys `creator`'s pack (created here, creator onboarded): returns the order's public id."""
    from tests.factories import pack_row
    from tests.payments.flows import completed_event, post_event, start_checkout

    pack_row(slug, price=price, currency=currency, creator_id=creator.user.id)
    if account_row(creator) is None:
        onboard(client, fake, creator)
    started = start_checkout(client, buyer, slug)
    session = next(s for s in fake.sessions() if s["client_reference_id"] == started["order_id"])
    assert post_event(client, fake, completed_event(fake.pay(session["id"], deliver=False))).status_code == 200
    return started["order_id"]
