"""GET /api/v1/store spliced from cached JSON fragments (app/store/page_json.py): the same bytes as
jsonify of the entries read afresh, and never a pack the catalogue no longer lists."""
from __future__ import annotations

import pytest
from flask import jsonify, url_for

from app.admin.packs_services import update_pack
from app.caching import clear_caches
from app.extensions import db
from app.packs import generation
from app.payments.money import minor_unit_digits
from app.store.services import catalogue
from tests.factories import grant, imported_pack, pack_row, price, signed_in_user

STORE = "/api/v1/store"
ADMIN = "@root:example.org"


@pytest.fixture
def shop(app, tmp_path):
    """Packs of every kind an entry can show: free, paid in two currencies, a creator's paid pack
    whose creator cannot be paid (not for sale now), one with a quote and non-ASCII in its text."""
    creator = signed_in_user("@maker:example.org").user
    packs = [imported_pack(tmp_path / "blobs", "blobs", count=5, name="Blobs", author="Ann"),
             imported_pack(tmp_path / "gold", "gold", count=2, price=price(50),
                           description='Shiny "gold" — ünïcode </script>'),
             imported_pack(tmp_path / "yen", "yen", count=1, price=price(300, "jpy")),
             pack_row("maker", name="Maker's", price=200, position=5, creator_id=creator.id),
             pack_row("owned null", name='"owned":null', price=0, position=6)]
    return {pack.slug: pack for pack in packs}


def fresh_body(app, path: str, *, user=None, base_url: str | None = None) -> bytes:
    """What jsonify sends for the page read afresh (no cached page), built like the API always did."""
    clear_caches(app)
    for_sale = bool(app.config.get("STRIPE_SECRET_KEY"))
    with app.test_request_context(path, base_url=base_url):
        from flask import request

        page = catalogue(user=user, query=request.args.get("q", ""), cursor=request.args.get("cursor"),
                         limit=int(request.args.get("limit", 50)))
        entries = [_entry(entry, for_sale) for entry in page.entries]
        body = jsonify(packs=entries, next=page.next_cursor, payments=for_sale,
                       user_id=user.matrix_id if user else None).get_data()
    clear_caches(app)
    return body


def _entry(entry, for_sale: bool) -> dict:
    pack = entry.pack
    paused = pack.creator_id is not None  # the maker has no active payout account
    price_json = None if pack.is_free else {"amount": pack.price_amount, "currency": pack.currency,
                                            "decimals": minor_unit_digits(pack.currency)}
    return {"slug": pack.slug, "name": pack.name, "description": pack.description, "author": pack.author,
            "license": pack.license, "stickers": entry.stickers, "icon_url": entry.previews[0] if entry.previews else "",
            "previews": entry.previews, "url": url_for("store.pack_detail", slug=pack.slug), "free": pack.is_free,
            "price": price_json, "for_sale": for_sale and not paused and not pack.is_free, "owned": entry.owned}


@pytest.mark.parametrize("payments", [False, True])
@pytest.mark.parametrize("path", [STORE, STORE + "?limit=2", STORE + "?q=gold", STORE + "?q=nothing",
                                  STORE + "?limit=2&cursor=0.2"])
def test_cached_responses_are_the_bytes_of_a_fresh_read(app, client, shop, alice, path, payments):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_store" if payments else ""
    grant(alice.user, shop["gold"])
    for user, headers in ((None, {}), (alice.user, alice.headers)):
        expected = fresh_body(app, path, user=user)
        first, cached = client.get(path, headers=headers), client.get(path, headers=headers)
        assert first.status_code == cached.status_code == 200
        assert first.data == cached.data == expected
        assert cached.mimetype == "application/json" and cached.headers["Cache-Control"] == "private, no-cache"


def test_each_caller_gets_their_own_owned_and_user_id_from_the_same_cached_page(app, client, shop, alice, bob):
    grant(alice.user, shop["gold"])
    grant(bob.user, shop["yen"])
    for person in (alice, bob, alice):
        response = client.get(STORE, headers=person.headers)
        assert response.data == fresh_body(app, STORE, user=person.user)
    assert client.get(STORE).data == fresh_body(app, STORE)


def test_a_mounted_app_gets_urls_under_its_script_root(app, client, shop):
    mount = "http://localhost/shop/"
    client.get(STORE)  # cached for the root
    mounted = client.get(STORE, base_url=mount)
    assert b'"url":"/shop/packs/blobs"' in mounted.data
    assert mounted.data == fresh_body(app, STORE, base_url=mount)


def test_debug_mode_gets_jsonify_indented_body(app, client, shop):
    app.debug = True
    assert client.get(STORE).data == fresh_body(app, STORE)
    assert b'\n  "packs": [' in client.get(STORE).data


def test_a_hidden_pack_leaves_the_cached_store_at_once(app, client, shop):
    assert b'"slug":"gold"' in client.get(STORE).data and b'"slug":"gold"' in client.get(STORE + "?q=gold").data
    update_pack("gold", actor=ADMIN, status="hidden")
    assert b'"slug":"gold"' not in client.get(STORE).data
    assert b'"slug":"gold"' not in client.get(STORE + "?q=gold").data


@pytest.fixture
def other_instance(app_config):
    """A second app (another worker or instance) on the same database, with its own caches."""
    from app import create_app

    other = create_app(app_config)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def store_on(instance) -> bytes:
    with instance.app_context():
        try:
            return instance.test_client().get(STORE).data
        finally:
            db.session.remove()


def test_another_instance_drops_a_hidden_pack_at_its_next_generation_check(app, other_instance, shop, monkeypatch):
    assert b'"slug":"gold"' in store_on(other_instance)  # cached over there
    update_pack("gold", actor=ADMIN, status="hidden")
    monkeypatch.setattr(generation, "CHECK_INTERVAL", 0.0)  # its next request is due to check
    assert b'"slug":"gold"' not in store_on(other_instance)


def cached_pages(app) -> int:
    """Pages in the store's cache (which the first GET of each test creates)."""
    from app.caching import EXTENSION_KEY

    return len(app.extensions[EXTENSION_KEY].get("store.pages", dict))


def test_a_commit_that_changes_no_pack_keeps_the_cached_pages_and_owned_is_current(app, client, shop, alice):
    assert b'"owned":false' in client.get(STORE, headers=alice.headers).data and cached_pages(app) == 1
    grant(alice.user, shop["gold"])  # a commit, but no pack changed
    assert cached_pages(app) == 1
    assert client.get(STORE, headers=alice.headers).data == fresh_body(app, STORE, user=alice.user)
    client.get(STORE)  # fresh_body emptied the caches: cache the page again
    shop["yen"].name = "Yen!"  # a pack changed: this process forgets at once
    db.session.commit()
    assert cached_pages(app) == 0
    assert b'"name":"Yen!"' in client.get(STORE).data


def test_a_rolled_back_pack_change_forgets_nothing(app, client, shop):
    client.get(STORE)
    shop["gold"].name = "Not saved"
    db.session.flush()  # moves the generation inside the transaction
    db.session.rollback()
    grant(signed_in_user("@carol:example.org").user, shop["gold"])  # the next commit is not a pack change
    assert cached_pages(app) == 1


@pytest.mark.parametrize("query", ["", "?limit=0"])
def test_a_revoked_token_is_a_401_even_with_a_bad_parameter(client, shop, alice, query):
    from app.auth.tokens import revoke_token

    assert client.get(STORE + query, headers=alice.headers).status_code == (200 if not query else 400)
    revoke_token(alice.token)
    response = client.get(STORE + query, headers=alice.headers)
    assert response.status_code == 401 and response.get_json()["errcode"] == "M_UNKNOWN_TOKEN"
