"""GET /api/v1/store (the picker's store tab) and adding a pack to the picker from it."""
import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.library import services as library
from app.models import Entitlement, Sticker
from app.storage import media_filename
from tests.factories import grant, imported_pack, price

STORE = "/api/v1/store"


@pytest.fixture
def packs(app, tmp_path):
    """Free 'blobs' (5 stickers), paid 'gold' ($0.50), paid 'yen' (¥300), a draft and a hidden pack."""
    return {"blobs": imported_pack(tmp_path / "blobs", "blobs", count=5, name="Blobs", author="Ann"),
            "gold": imported_pack(tmp_path / "gold", "gold", count=2, price=price(50)),
            "yen": imported_pack(tmp_path / "yen", "yen", count=1, price=price(300, "jpy")),
            "draft": imported_pack(tmp_path / "draft", "draft", count=1, status="draft"),
            "gone": imported_pack(tmp_path / "gone", "gone", count=1, status="hidden")}


def by_slug(response) -> dict:
    assert response.status_code == 200, response.get_json()
    return {entry["slug"]: entry for entry in response.get_json()["packs"]}


def test_anonymous_catalogue_lists_published_packs_with_previews_and_prices(client, packs):
    response = client.get(STORE)
    body = response.get_json()
    assert [entry["slug"] for entry in body["packs"]] == ["blobs", "gold", "yen"]  # no draft, no hidden pack
    assert body["payments"] is False and body["user_id"] is None
    assert response.headers["Vary"] == "Authorization"
    blobs, gold, yen = body["packs"]
    stickers = list(db.session.scalars(select(Sticker).where(Sticker.pack_id == packs["blobs"].id)
                                       .order_by(Sticker.position)))
    thumbs = [f"/media/{media_filename(s.thumb_sha256, s.thumb_mimetype)}" for s in stickers]
    assert blobs["previews"] == thumbs[:4] and blobs["icon_url"] == thumbs[0]
    assert (blobs["name"], blobs["author"], blobs["stickers"], blobs["url"]) == ("Blobs", "Ann", 5, "/packs/blobs")
    assert (blobs["free"], blobs["price"], blobs["for_sale"], blobs["owned"]) == (True, None, False, None)
    assert gold["price"] == {"amount": 50, "currency": "usd", "decimals": 2}
    assert yen["price"] == {"amount": 300, "currency": "jpy", "decimals": 0}
    # Without Stripe nothing is for sale.
    assert (gold["free"], gold["for_sale"], gold["owned"]) == (False, False, None)


def test_paid_packs_are_for_sale_once_stripe_is_configured(app, client, packs):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_store"
    body = client.get(STORE).get_json()
    assert body["payments"] is True
    assert {entry["slug"]: entry["for_sale"] for entry in body["packs"]} == {"blobs": False, "gold": True, "yen": True}


def test_a_bearer_token_marks_what_the_user_owns(client, packs, alice, bob):
    grant(alice.user, packs["gold"], "purchase")
    response = client.get(STORE, headers=alice.headers)
    assert response.get_json()["user_id"] == "@alice:example.org"
    assert {slug: entry["owned"] for slug, entry in by_slug(response).items()} == {
        "blobs": False, "gold": True, "yen": False}

    assert client.post("/api/v1/me/packs/blobs/add", headers=alice.headers).status_code == 200
    db.session.execute(update(Entitlement).where(Entitlement.pack_id == packs["gold"].id)
                       .values(revoked_at=func.now(), revoke_reason="refund"))
    db.session.commit()
    assert {slug: entry["owned"] for slug, entry in by_slug(client.get(STORE, headers=alice.headers)).items()} == {
        "blobs": True, "gold": False, "yen": False}
    assert not any(entry["owned"] for entry in by_slug(client.get(STORE, headers=bob.headers)).values())


def test_an_unknown_token_is_refused_not_treated_as_anonymous(client, packs):
    response = client.get(STORE, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.get_json()["errcode"] == "M_UNKNOWN_TOKEN"


def test_add_shows_a_hidden_free_pack_again(client, packs, alice):
    library.set_picker(user=alice.user, hidden=["blobs"])
    assert "blobs" not in [item.pack.slug for item in library.library(user=alice.user) if not item.hidden]
    response = client.post("/api/v1/me/packs/blobs/add", headers=alice.headers)
    assert response.get_json() == {"pack": "blobs", "source": "free"}
    db.session.expire_all()
    assert [item.pack.slug for item in library.library(user=alice.user) if not item.hidden] == ["blobs"]


def test_add_shows_a_hidden_owned_paid_pack_but_never_gives_one_away(client, packs, alice):
    grant(alice.user, packs["gold"], "purchase")
    library.set_picker(user=alice.user, hidden=["gold"])
    response = client.post("/api/v1/me/packs/gold/add", headers=alice.headers)
    assert response.get_json() == {"pack": "gold", "source": "purchase"}
    db.session.expire_all()
    assert "gold" in [item.pack.slug for item in library.library(user=alice.user) if not item.hidden]

    refused = client.post("/api/v1/me/packs/yen/add", headers=alice.headers)
    assert refused.status_code == 400 and "buy it" in refused.get_json()["error"]
    assert db.session.scalar(select(Entitlement).where(Entitlement.pack_id == packs["yen"].id)) is None
