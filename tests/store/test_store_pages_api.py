"""GET /api/v1/store a page at a time (?limit=, ?cursor= from `next`) and searched on the server (?q=)."""
import pytest

from app.extensions import db
from tests.factories import grant, pack_row

STORE = "/api/v1/store"


@pytest.fixture
def many(app):
    """12 published packs (positions 1..12, 'Zebra' at 9, a free 'Tiny 100%' at 11), a hidden one."""
    packs = [pack_row(f"pack-{n:02d}", name=f"Pack {n:02d}", position=n, price=0 if n == 11 else 500,
                      description="Drawn with ink") for n in range(1, 13)]
    packs[8].name, packs[10].name, packs[10].author = "Zebra", "Tiny 100%", "Ann Example"
    pack_row("secret", name="Zebra secret", status="hidden", position=20)
    db.session.commit()
    return packs


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [entry["slug"] for entry in response.get_json()["packs"]]


def test_pages_follow_next_through_the_whole_catalogue_once(client, many):
    seen, url, pages = [], STORE + "?limit=5", 0
    while url:
        body = client.get(url).get_json()
        seen += [entry["slug"] for entry in body["packs"]]
        pages += 1
        url = STORE + "?limit=5&cursor=" + body["next"] if body["next"] else None
    assert seen == [f"pack-{n:02d}" for n in range(1, 13)] and pages == 3


def test_the_default_page_holds_every_pack_of_a_small_store_and_next_is_null(client, many):
    body = client.get(STORE).get_json()
    assert len(body["packs"]) == 12 and body["next"] is None


def test_a_pack_moved_or_added_between_pages_is_neither_lost_nor_repeated(client, many):
    first = client.get(STORE + "?limit=6").get_json()
    pack_row("late", name="Late", position=7)  # lands in the part not read yet
    many[0].position = 30  # an already read pack moves to the end: listed again there, like any reorder
    db.session.commit()
    rest = slugs(client.get(STORE + "?limit=50&cursor=" + first["next"]))
    assert rest[:2] == ["pack-07", "late"] and rest[-1] == "pack-01"  # same position: by id
    assert not set(rest) & {entry["slug"] for entry in first["packs"]} - {"pack-01"}


def test_search_matches_every_word_in_name_author_description_or_slug(client, many):
    assert slugs(client.get(STORE + "?q=zebra")) == ["pack-09"]  # not the hidden 'Zebra secret'
    assert slugs(client.get(STORE + "?q=ANN+tiny")) == ["pack-11"]
    assert slugs(client.get(STORE + "?q=100%25")) == ["pack-11"]  # % is a character, not a wildcard
    assert slugs(client.get(STORE + "?q=pack-1")) == ["pack-10", "pack-11", "pack-12"]
    assert len(slugs(client.get(STORE + "?q=ink"))) == 12
    assert slugs(client.get(STORE + "?q=nothing+like+this")) == []


def test_search_pages_too(client, many):
    body = client.get(STORE + "?q=ink&limit=10").get_json()
    assert len(body["packs"]) == 10 and body["next"]
    assert slugs(client.get(STORE + "?q=ink&limit=10&cursor=" + body["next"])) == ["pack-11", "pack-12"]


def test_owned_is_marked_on_every_page(client, many, alice):
    grant(alice.user, many[11])
    body = client.get(STORE + "?limit=10", headers=alice.headers).get_json()
    assert not any(entry["owned"] for entry in body["packs"])
    last = client.get(STORE + "?limit=10&cursor=" + body["next"], headers=alice.headers).get_json()
    assert {entry["slug"]: entry["owned"] for entry in last["packs"]} == {"pack-11": False, "pack-12": True}


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=ten", "limit=-3", "cursor=abc", "cursor=1.2.3",
                                   "cursor=1;DROP"])
def test_bad_paging_is_a_clear_400(client, many, query):
    response = client.get(STORE + "?" + query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["errcode"] == "M_INVALID_PARAM" and ("limit" in body["error"] or "cursor" in body["error"])


def test_a_cached_page_is_dropped_when_another_process_moves_the_catalogue(app, client, monkeypatch, many):
    from sqlalchemy import text

    from app.packs import generation

    monkeypatch.setattr(generation, "CHECK_INTERVAL", 3600.0)
    assert slugs(client.get(STORE + "?q=zebra")) == ["pack-09"]
    with db.engine.begin() as other:  # another worker renames the pack and moves the generation
        other.execute(text("UPDATE packs SET name = 'Horse' WHERE slug = 'pack-09'"))
        other.execute(text("UPDATE catalogue_state SET generation = generation + 1"))
    assert slugs(client.get(STORE + "?q=zebra")) == ["pack-09"]  # this process has not looked yet
    monkeypatch.setattr(generation, "CHECK_INTERVAL", 0.0)  # ... and once it looks again:
    assert slugs(client.get(STORE + "?q=zebra")) == []
    assert slugs(client.get(STORE + "?q=horse")) == ["pack-09"]
