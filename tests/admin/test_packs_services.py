"""The operators' pack use cases without HTTP: statuses and who sees what, prices, positions,
deletion and its refusal, and the audit line written with each change."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app import audit
from app.admin import packs_services as packs
from app.exceptions import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.library import services as library
from app.models import AuditEvent, Favourite, Order, Pack, PickerPack, Sticker
from app.packs.catalogue import published_free_pack_keys
from app.packs.ownership import published_pack
from app.store.services import catalogue, store_packs
from tests.factories import grant, imported_pack, order, pack_row, price, signed_in_user

ADMIN = "@root:example.org"


@pytest.fixture
def packs_(app, tmp_path):
    return {"cats": imported_pack(tmp_path / "cats", "cats", count=2),
            "dogs": imported_pack(tmp_path / "dogs", "dogs", count=2, colour=(1, 2, 3)),
            "gold": imported_pack(tmp_path / "gold", "gold", count=2, colour=(250, 200, 0), price=price(99))}


def lines(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def slugs_of(items) -> list[str]:
    return [getattr(item, "pack", item).slug for item in items]


def test_hidden_leaves_the_store_but_owners_keep_it_and_removed_leaves_everyone(packs_):
    owner, stranger = signed_in_user("@owner:example.org").user, signed_in_user("@bob:example.org").user
    grant(owner, packs_["gold"], "purchase")
    grant(owner, packs_["cats"], "free")

    packs.update_pack("gold", actor=ADMIN, status="hidden")
    packs.update_pack("cats", actor=ADMIN, status="hidden")

    assert slugs_of(store_packs()) == slugs_of(catalogue(user=None).entries) == ["dogs"]
    with pytest.raises(NotFound):
        published_pack("gold")  # checkout and the store page refuse it
    assert [key[0] for key in published_free_pack_keys()] == [packs_["dogs"].id]
    assert slugs_of(library.library(user=owner)) == ["cats", "dogs", "gold"]
    assert slugs_of(library.library(user=stranger)) == ["dogs"]

    packs.update_pack("gold", actor=ADMIN, status="removed")

    assert "gold" not in slugs_of(library.library(user=owner))
    assert library.entitlements.owns(user_id=owner.id, pack_id=packs_["gold"].id)  # still recorded
    assert [(line.actor, line.target, line.details) for line in lines("pack.status")][-1] == (
        ADMIN, "pack:gold", {"old": "hidden", "new": "removed"})


def test_publishing_again_lists_it_and_an_unchanged_status_writes_no_line(packs_):
    packs.update_pack("dogs", actor=ADMIN, status="removed")
    packs.update_pack("dogs", actor=ADMIN, status="published")
    packs.update_pack("dogs", actor=ADMIN, status="published")
    assert "dogs" in slugs_of(store_packs())
    assert [line.details["new"] for line in lines("pack.status")] == ["removed", "published"]


@pytest.mark.parametrize("change, message", [
    ({"status": "draft"}, "status must be one of published, hidden, removed"),
    ({"status": 3}, "status must be one of"),
    ({"price_amount": 25}, "smallest charge is 50 minor units in USD"),
    ({"price_amount": -1}, "whole number of minor units"),
    ({"price_amount": 4.5}, "whole number of minor units"),
    ({"price_amount": True}, "whole number of minor units"),
    ({"price_amount": "500"}, "whole number of minor units"),
    ({"price_amount": 100_000_01}, "whole number of minor units"),
    ({"position": 0}, "position must be a whole number from 1"),
    ({"position": "2"}, "position must be"),
])
def test_bad_values_are_refused_and_change_nothing(packs_, change, message):
    before = (packs_["gold"].status, packs_["gold"].price_amount, packs_["gold"].position)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        packs.update_pack("gold", actor=ADMIN, status="hidden", **change) if "status" not in change else \
            packs.update_pack("gold", actor=ADMIN, **change)
    db.session.expire_all()
    gold = db.session.scalar(select(Pack).where(Pack.slug == "gold"))
    assert (gold.status, gold.price_amount, gold.position) == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("pack.%") & (AuditEvent.action != "pack.import"))) == 0


def test_prices_follow_the_currency_minimum_and_zero_makes_a_pack_free(app):
    pack_row("pounds", price=500, currency="gbp")
    pack_row("yen", price=500, currency="jpy")
    assert packs.update_pack("pounds", actor=ADMIN, price_amount=30).price_amount == 30  # GBP's minimum is 30
    with pytest.raises(InvalidInput, match="smallest charge is 50 minor units in JPY"):
        packs.update_pack("yen", actor=ADMIN, price_amount=49)
    free = packs.update_pack("yen", actor=ADMIN, price_amount=0)
    assert free.is_free
    assert [line.details for line in lines("pack.price")] == [
        {"old": 500, "new": 30, "currency": "gbp"}, {"old": 500, "new": 0, "currency": "jpy"}]


def test_a_free_pack_made_paid_leaves_the_anonymous_picker(packs_):
    packs.update_pack("cats", actor=ADMIN, price_amount=199)
    assert [key[0] for key in published_free_pack_keys()] == [packs_["dogs"].id]


def test_move_renumbers_the_catalogue_and_a_large_position_means_last(packs_):
    packs.update_pack("gold", actor=ADMIN, position=1)
    assert slugs_of(store_packs()) == ["gold", "cats", "dogs"]
    assert [pack.position for pack in store_packs()] == [1, 2, 3]
    packs.update_pack("gold", actor=ADMIN, position=99)
    assert slugs_of(store_packs()) == ["cats", "dogs", "gold"]
    packs.update_pack("cats", actor=ADMIN, position=1)  # already first: nothing to record
    assert [(line.target, line.details) for line in lines("pack.move")] == [
        ("pack:gold", {"old": 3, "new": 1}), ("pack:gold", {"old": 1, "new": 3})]


def test_admin_rows_count_stickers_owners_and_sales(packs_):
    alice, bob = signed_in_user("@alice:example.org").user, signed_in_user("@bob:example.org").user
    order(alice, packs_["gold"], status="paid")
    order(bob, packs_["gold"], status="refunded")
    order(bob, packs_["gold"], status="pending")
    grant(alice, packs_["gold"], "purchase")
    rows = {row.pack.slug: row for row in packs.admin_packs()}
    assert (rows["gold"].stickers, rows["gold"].owners, rows["gold"].sales) == (2, 1, 1)
    assert (rows["cats"].owners, rows["cats"].sales) == (0, 0)


def test_delete_removes_the_pack_its_stickers_picker_rows_and_favourites_in_one_go(packs_):
    person = signed_in_user().user
    library.set_picker(user=person, order=["dogs", "cats"])
    cat_sticker = packs_["cats"].stickers[0]
    library.add_favourite(user=person, sticker_id=cat_sticker.id)
    cats_id = packs_["cats"].id

    packs.delete_pack("cats", actor=ADMIN)

    assert db.session.get(Pack, cats_id) is None
    assert db.session.scalar(select(func.count()).select_from(Sticker).where(Sticker.pack_id == cats_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(PickerPack).where(PickerPack.pack_id == cats_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Favourite)) == 0
    assert slugs_of(library.library(user=person)) == ["dogs"]
    [line] = lines("pack.delete")
    assert (line.actor, line.target, line.details) == (ADMIN, "pack:cats", {"name": "Cats", "stickers": 2})


@pytest.mark.parametrize("reference", ["order", "revoked entitlement"])
def test_a_pack_anyone_ever_ordered_or_owned_is_never_deleted(packs_, reference):
    buyer = signed_in_user().user
    if reference == "order":
        order(buyer, packs_["gold"], status="expired")
    else:
        grant(buyer, packs_["gold"]).revoked_at = db.func.now()
        db.session.commit()

    with pytest.raises(Conflict, match="hide it instead"):
        packs.delete_pack("gold", actor=ADMIN)

    assert db.session.scalar(select(Pack).where(Pack.slug == "gold")) is not None
    assert db.session.scalar(select(func.count()).select_from(Order)) == (1 if reference == "order" else 0)
    assert lines("pack.delete") == []


def test_unknown_slugs_are_not_found(app):
    with pytest.raises(NotFound):
        packs.update_pack("nope", actor=ADMIN, status="hidden")
    with pytest.raises(NotFound):
        packs.delete_pack("nope", actor=ADMIN)


def test_the_cli_actor_is_the_os_user(packs_):
    packs.update_pack("dogs", actor=audit.cli_actor(), status="hidden")
    assert lines("pack.status")[0].actor.startswith("cli:")
