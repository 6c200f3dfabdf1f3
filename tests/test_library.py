"""A user's own picker: the OpenID session, their packs, order, hidden packs and favourites."""
import re
from urllib.parse import quote

import pytest

from app.assets import asset_url
from app.extensions import db
from app.library import services
from app.models import Entitlement, Sticker, utcnow
from tests.factories import grant, imported_pack, price, signed_in_user

PICKER = "/api/widgets/stickerpicker"


@pytest.fixture
def packs(app, tmp_path):
    return {"cats": imported_pack(tmp_path / "cats", "cats", count=2, colour=(200, 100, 50)),
            "dogs": imported_pack(tmp_path / "dogs", "dogs", count=2, colour=(1, 2, 3)),
            "gold": imported_pack(tmp_path / "gold", "gold", count=2, colour=(250, 200, 0), price=price(99)),
            "draft": imported_pack(tmp_path / "draft", "draft", count=2, colour=(9, 9, 9), status="draft")}


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def slugs(client, token, **params):
    query = "?include_hidden=1" if params.get("hidden") else ""
    return [p["slug"] for p in client.get("/api/v1/me/packs" + query, headers=auth(token)).json["packs"]]


def sections(html: bytes) -> list[str]:
    return re.findall(r'<section class="pack" id="([^"]+)"', html.decode())


# --- services ---------------------------------------------------------------------------------
def test_library_is_free_published_plus_live_entitlements(app, packs):
    user = signed_in_user(kind="im").user
    assert [(i.pack.slug, i.source) for i in services.library(user=user)] == [("cats", "free"), ("dogs", "free")]
    grant(user, packs["gold"], "purchase")
    grant(user, packs["draft"])  # a draft stays invisible even to a holder
    assert [(i.pack.slug, i.source) for i in services.library(user=user)] == [
        ("cats", "free"), ("dogs", "free"), ("gold", "purchase")]
    packs["gold"].status = "hidden"  # withdrawn from the store: owners keep it
    db.session.commit()
    assert "gold" in [i.pack.slug for i in services.library(user=user)]
    db.session.execute(db.update(Entitlement).values(revoked_at=utcnow(), revoke_reason="refund"))
    db.session.commit()
    assert [i.pack.slug for i in services.library(user=user)] == ["cats", "dogs"]
    other = signed_in_user("@bob:example.org", kind="im").user
    assert [i.pack.slug for i in services.library(user=other)] == ["cats", "dogs"]


# --- the OpenID session and /me, with a real homeserver -----------------------------------------
@pytest.mark.synapse
def test_session_from_a_real_openid_token_then_my_packs(app, client, synapse, packs):
    app.config["MATRIX_SERVER_URLS"] = f"{synapse.server_name}={synapse.base_url}"
    person = synapse.register_user()
    response = client.post("/api/v1/session", json=synapse.openid_token(person))
    assert response.status_code == 200, response.json
    assert response.json["user_id"] == person.user_id and response.json["expires_in"] == 86400
    token = response.json["token"]
    assert client.get("/api/v1/me", headers=auth(token)).json == {"user_id": person.user_id, "admin": False,
                                                               "picker_hidden": False}
    body = client.get("/api/v1/me/packs", headers=auth(token)).json
    assert [(p["slug"], p["source"], p["stickers"]) for p in body["packs"]] == [("cats", "free", 2), ("dogs", "free", 2)]
    assert body["packs"][0]["icon_url"].startswith("/media/")
    from app.models import User

    grant(db.session.scalar(db.select(User).where(User.matrix_id == person.user_id)), packs["gold"])
    assert [(p["slug"], p["source"]) for p in client.get("/api/v1/me/packs", headers=auth(token)).json["packs"]][-1] \
        == ("gold", "grant")
    # The session token renders the personal picker too (the widget fetches it with Bearer).
    page = client.get(PICKER, headers=auth(token))
    assert "pack-gold" in sections(page.data) and b'data-identified="true"' in page.data


@pytest.mark.synapse
def test_session_refuses_a_forged_token(app, client, synapse):
    app.config["MATRIX_SERVER_URLS"] = f"{synapse.server_name}={synapse.base_url}"
    forged = {"access_token": "nope", "token_type": "Bearer", "matrix_server_name": synapse.server_name}
    response = client.post("/api/v1/session", json=forged)
    assert response.status_code == 401 and response.json["errcode"] == "M_UNAUTHORIZED"


def test_me_needs_a_token(client):
    response = client.get("/api/v1/me/packs")
    assert response.status_code == 401 and response.json["errcode"] == "M_MISSING_TOKEN"
    assert client.get("/api/v1/me", headers=auth("wrong")).json["errcode"] == "M_UNKNOWN_TOKEN"


# --- the picker page ----------------------------------------------------------------------------
def test_picker_with_scalar_token_is_that_users_picker(client, packs):
    alice = signed_in_user(kind="im")
    grant(alice.user, packs["gold"])
    assert client.put("/api/v1/me/picker", json={"hidden": ["dogs"]}, headers=alice.headers).status_code == 200
    starred = packs["gold"].stickers[1]
    assert client.put(f"/api/v1/me/favourites/{starred.id}", headers=alice.headers).status_code == 200

    page = client.get(f"{PICKER}?scalar_token={quote(alice.token)}&widgetId=w"
                      "&parentUrl=https%3A%2F%2Fapp.element.io%2F")
    assert page.status_code == 200
    assert page.headers["Cache-Control"].startswith("private")
    assert "Authorization" in page.headers["Vary"]
    assert sections(page.data) == ["pack-_favourites", "recent", "pack-cats", "pack-gold"]
    favourites = page.data.decode().split('id="pack-_favourites"')[1].split("</section>")[0]
    assert f'data-sticker-id="{starred.id}"' in favourites
    assert b'href="#pack-_favourites"' in page.data and b'data-identified="true"' in page.data
    assert asset_url("js/picker-bundle.js").encode() in page.data  # with identity.js in it

    anonymous = client.get(PICKER)
    assert sections(anonymous.data) == ["recent", "pack-cats", "pack-dogs"]
    assert anonymous.headers["Cache-Control"].startswith("public")
    assert b"data-identified" not in anonymous.data


@pytest.mark.parametrize("query", ["?matrix_user_id=%40alice%3Aexample.org", "?scalar_token=revoked-or-made-up"])
def test_a_user_id_or_a_bad_token_identifies_nobody(client, packs, query):
    alice = signed_in_user(kind="im")
    grant(alice.user, packs["gold"])
    page = client.get(PICKER + query)
    assert page.status_code == 200
    assert sections(page.data) == ["recent", "pack-cats", "pack-dogs"]
    assert page.headers["Cache-Control"].startswith("public")


def test_personal_picker_revalidates_with_its_etag(client, packs):
    alice = signed_in_user(kind="im")
    first = client.get(PICKER, headers=alice.headers)
    again = client.get(PICKER, headers={**alice.headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    client.put("/api/v1/me/picker", json={"order": ["dogs", "cats"]}, headers=alice.headers)
    changed = client.get(PICKER, headers={**alice.headers, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and sections(changed.data)[1:] == ["pack-dogs", "pack-cats"]


# --- order and hidden packs ---------------------------------------------------------------------
def test_picker_order_and_hidden_packs_are_per_user_and_partial(client, packs):
    alice = signed_in_user(kind="im")
    grant(alice.user, packs["gold"])
    response = client.put("/api/v1/me/picker", json={"order": ["gold", "dogs"]}, headers=alice.headers)
    assert response.status_code == 200
    assert [p["slug"] for p in response.json["packs"]] == ["gold", "dogs", "cats"]
    client.put("/api/v1/me/picker", json={"hidden": ["gold"]}, headers=alice.headers)
    assert slugs(client, alice.token) == ["dogs", "cats"]
    assert slugs(client, alice.token, hidden=True) == ["gold", "dogs", "cats"]
    hidden_flags = {p["slug"]: p["hidden"] for p in
                    client.get("/api/v1/me/packs?include_hidden=1", headers=alice.headers).json["packs"]}
    assert hidden_flags == {"gold": True, "dogs": False, "cats": False}
    client.put("/api/v1/me/picker", json={"hidden": []}, headers=alice.headers)
    assert slugs(client, alice.token) == ["gold", "dogs", "cats"]
    bob = signed_in_user("@bob:example.org", kind="im")
    assert slugs(client, bob.token) == ["cats", "dogs"]


@pytest.mark.parametrize("body", [{"order": ["cats", "cats"]}, {"order": ["gold"]}, {"hidden": ["nope"]},
                                  {"order": "cats"}, {"picker_hidden": "yes"}, [1]])
def test_picker_update_validates(client, packs, body):
    alice = signed_in_user(kind="im")
    response = client.put("/api/v1/me/picker", json=body, headers=alice.headers)
    assert response.status_code == 400
    assert response.json["errcode"] in ("M_INVALID_PARAM", "M_NOT_JSON")


def test_picker_hidden_flag_round_trip(client, packs):
    alice = signed_in_user(kind="im")
    alice.user.picker_hidden = True
    db.session.commit()
    assert client.get("/api/v1/me/packs", headers=alice.headers).json["picker_hidden"] is True
    client.put("/api/v1/me/picker", json={"picker_hidden": False}, headers=alice.headers)
    assert client.get("/api/v1/me", headers=alice.headers).json["picker_hidden"] is False


# --- favourites ---------------------------------------------------------------------------------
def test_favourites_only_from_usable_packs_and_idempotent(client, packs):
    alice = signed_in_user(kind="im")
    gold_sticker, cat_sticker = packs["gold"].stickers[0], packs["cats"].stickers[1]
    assert client.put(f"/api/v1/me/favourites/{gold_sticker.id}", headers=alice.headers).status_code == 404
    assert client.put("/api/v1/me/favourites/999999", headers=alice.headers).status_code == 404
    for _ in range(2):
        assert client.put(f"/api/v1/me/favourites/{cat_sticker.id}", headers=alice.headers).json == {}
    grant(alice.user, packs["gold"])
    assert client.put(f"/api/v1/me/favourites/{gold_sticker.id}", headers=alice.headers).status_code == 200
    listed = client.get("/api/v1/me/favourites", headers=alice.headers).json["favourites"]
    assert [f["sticker_id"] for f in listed] == [gold_sticker.id, cat_sticker.id]  # newest first
    assert listed[0]["pack"] == "gold" and listed[0]["thumb_url"].startswith("/media/")
    # A refund removes the pack, and its stickers leave the favourites row with it.
    db.session.execute(db.update(Entitlement).values(revoked_at=utcnow()))
    db.session.commit()
    assert [f["sticker_id"] for f in client.get("/api/v1/me/favourites", headers=alice.headers).json["favourites"]] \
        == [cat_sticker.id]
    assert client.delete(f"/api/v1/me/favourites/{cat_sticker.id}", headers=alice.headers).json == {}
    assert client.delete(f"/api/v1/me/favourites/{cat_sticker.id}", headers=alice.headers).status_code == 200
    assert client.get("/api/v1/me/favourites", headers=alice.headers).json["favourites"] == []
    assert sections(client.get(PICKER, headers=alice.headers).data)[0] == "recent"


def test_favourites_are_capped(app, client, packs, monkeypatch):
    alice = signed_in_user(kind="im")
    monkeypatch.setattr(services, "MAX_FAVOURITES", 1)
    ids = [s.id for s in db.session.scalars(db.select(Sticker).where(Sticker.pack_id == packs["cats"].id))]
    assert client.put(f"/api/v1/me/favourites/{ids[0]}", headers=alice.headers).status_code == 200
    response = client.put(f"/api/v1/me/favourites/{ids[1]}", headers=alice.headers)
    assert response.status_code == 403 and response.json["errcode"] == "M_RESOURCE_LIMIT_EXCEEDED"


# --- the personal picker page, cached by what it shows -------------------------------------------
def shown(client, who) -> tuple[list[str], list[int]]:
    """The picker's sections and the favourites row's sticker ids, as the page shows them."""
    html = client.get(PICKER, headers=who.headers).data.decode()
    row = re.search(r'<section class="pack" id="pack-_favourites".*?</section>', html, re.S)
    starred = [int(i) for i in re.findall(r'data-sticker-id="(\d+)"', row.group(0))] if row else []
    return sections(html.encode()), starred


def expected(user) -> tuple[list[str], list[int]]:
    favourites = [sticker.id for sticker in services.favourite_stickers(user=user)]
    packs = [f"pack-{item.pack.slug}" for item in services.library(user=user) if not item.hidden]
    return (["pack-_favourites"] if favourites else []) + ["recent"] + packs, favourites


def test_the_personal_picker_follows_every_change_of_what_it_shows(client, packs):
    alice, bob = signed_in_user(kind="im"), signed_in_user("@bob:example.org", kind="im")
    cat, gold = packs["cats"].stickers[1], packs["gold"].stickers[0]

    def check():
        for who in (alice, bob):
            assert shown(client, who) == expected(who.user)

    check()
    # Same packs, same page: shared (nothing in it names the user), so the ETags match.
    etags = {client.get(PICKER, headers=who.headers).headers["ETag"] for who in (alice, bob)}
    assert len(etags) == 1
    grant(alice.user, packs["gold"], "purchase")
    check()
    client.put(f"/api/v1/me/favourites/{cat.id}", headers=alice.headers)
    client.put(f"/api/v1/me/favourites/{gold.id}", headers=alice.headers)
    check()
    assert shown(client, alice)[1] == [gold.id, cat.id]
    client.put("/api/v1/me/picker", json={"order": ["gold"], "hidden": ["cats"]}, headers=alice.headers)
    check()  # cats hidden from the grid, its starred sticker still in the favourites row
    assert shown(client, alice) == (["pack-_favourites", "recent", "pack-gold", "pack-dogs"], [gold.id, cat.id])
    packs["gold"].status = "hidden"  # withdrawn from the store: the owner keeps it
    db.session.commit()
    check()
    db.session.execute(db.update(Entitlement).values(revoked_at=utcnow(), revoke_reason="refund"))
    db.session.commit()
    check()
    assert shown(client, alice) == (["pack-_favourites", "recent", "pack-dogs"], [cat.id])
    client.delete(f"/api/v1/me/favourites/{cat.id}", headers=alice.headers)
    check()
    assert shown(client, alice)[1] == []
