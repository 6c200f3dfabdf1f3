"""The web store sells: /packs/<slug> for anonymous and signed-in web users, Buy and Add by form."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Entitlement, Order, Pack, User
from tests.factories import grant, pack_row, signed_in_user, user
from tests.support.web import csrf_token, sign_in_web

ALICE = "@alice:example.org"


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings()}


@pytest.fixture
def packs(app):
    return pack_row("hexes", price=500), pack_row("freebies", price=0)


def test_anonymous_visitors_get_the_public_cacheable_page_with_sign_in_to_buy(client, packs):
    page = client.get("/packs/hexes")
    html = page.get_data(as_text=True)
    assert 'href="/signin?next=/packs/hexes">Sign in with Matrix to buy</a>' in html
    assert "store.buy" not in html and 'action="/packs/hexes/buy"' not in html
    assert "Cache-Control" not in page.headers or "private" not in page.headers["Cache-Control"]
    assert "Cookie" in page.headers["Vary"]  # a signed-in visitor gets another page
    assert "Set-Cookie" not in page.headers  # nothing here starts a session
    free = client.get("/packs/freebies").get_data(as_text=True)
    assert 'href="/signin?next=/packs/freebies">Sign in with Matrix to add it</a>' in free


def test_signed_in_visitors_see_buy_add_or_in_your_picker_privately(client, packs):
    hexes, freebies = packs
    sign_in_web(client, ALICE)
    page = client.get("/packs/hexes")
    assert page.headers["Cache-Control"] == "private, no-store" and "Cookie" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert 'action="/packs/hexes/buy"' in html and "Buy · $5.00" in html and "Sign in with Matrix" not in html
    assert 'action="/packs/freebies/add"' in client.get("/packs/freebies").get_data(as_text=True)
    grant(user(ALICE), hexes, source="purchase")
    owned = client.get("/packs/hexes").get_data(as_text=True)
    assert "✓ In your picker" in owned and 'action="/packs/hexes/buy"' not in owned


def test_buy_starts_checkout_and_sends_the_browser_to_stripe(client, packs, fake_stripe):
    csrf = sign_in_web(client, ALICE)
    response = client.post("/packs/hexes/buy", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(fake_stripe.checkout_base + "/c/pay/cs_test_")
    [session] = fake_stripe.sessions()
    assert session["metadata"]["matrix_user_id"] == ALICE and session["metadata"]["pack"] == "hexes"
    assert session["success_url"] == "http://127.0.0.1/checkout/success?session_id={CHECKOUT_SESSION_ID}"
    again = client.post("/packs/hexes/buy", data={"csrf_token": csrf})
    assert again.headers["Location"] == response.headers["Location"]  # the same open checkout
    assert len(db.session.scalars(select(Order)).all()) == 1


def test_buy_needs_csrf_and_a_signed_in_user(client, packs, fake_stripe):
    anonymous = client.post("/packs/hexes/buy", data={"csrf_token": csrf_token(client)})
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/signin?next=/packs/hexes"
    sign_in_web(client, ALICE)
    assert client.post("/packs/hexes/buy").status_code == 400
    assert fake_stripe.sessions() == []


def test_buy_refusals_are_shown_on_the_page(client, packs, app):
    hexes, _freebies = packs
    csrf = sign_in_web(client, ALICE)
    grant(user(ALICE), hexes, source="purchase")
    response = client.post("/packs/hexes/buy", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/packs/hexes"
    assert "You already own Hexes." in client.get("/packs/hexes").get_data(as_text=True)
    free = client.post("/packs/freebies/buy", data={"csrf_token": csrf})
    assert "is free" in client.get(free.headers["Location"]).get_data(as_text=True)
    app.config["STRIPE_SECRET_KEY"] = ""
    user_b = "@bob:example.org"
    csrf = sign_in_web(client, user_b)
    client.post("/packs/hexes/buy", data={"csrf_token": csrf})
    assert "not for sale" in client.get("/packs/hexes").get_data(as_text=True)
    assert client.post("/packs/nope/buy", data={"csrf_token": csrf}).status_code == 303


def test_add_puts_a_free_pack_in_the_users_picker(client, packs):
    csrf = sign_in_web(client, ALICE)
    response = client.post("/packs/freebies/add", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/packs/freebies"
    page = client.get("/packs/freebies").get_data(as_text=True)
    assert "Added: it is in your sticker picker" in page and "✓ In your picker" in page
    assert _entitlement_source(ALICE, "freebies") == "free"
    widget = signed_in_user(ALICE)
    mine = client.get("/api/v1/me/packs", headers=widget.headers).get_json()["packs"]
    assert [pack["slug"] for pack in mine] == ["freebies"]
    paid = client.post("/packs/hexes/add", data={"csrf_token": csrf})
    assert "paid pack" in client.get(paid.headers["Location"]).get_data(as_text=True)


def test_add_needs_csrf_and_a_signed_in_user(client, packs):
    assert client.post("/packs/freebies/add", data={"csrf_token": csrf_token(client)}).headers["Location"] == \
        "/signin?next=/packs/freebies"
    sign_in_web(client, ALICE)
    assert client.post("/packs/freebies/add").status_code == 400
    assert _entitlement_source(ALICE, "freebies") is None


def _entitlement_source(matrix_id, slug):
    db.session.expire_all()
    return db.session.scalar(select(Entitlement.source).join(Entitlement.user).join(Entitlement.pack)
                             .where(User.matrix_id == matrix_id, Pack.slug == slug))
