"""Cache correctness across packs, processes and instances (app/packs/generation.py):

- every ORM change to a pack or a sticker moves Pack.revision, so no code path can forget;
- a deleted pack's id is never given to the next pack (SQLite AUTOINCREMENT), and even where a
  database did reuse it, the new pack's revision differs, so no cached section is inherited;
- a change made through one app instance reaches another instance's cached picker.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text, update

from app import create_app
from app.admin.packs_services import delete_pack, update_pack
from app.extensions import db
from app.models import Pack, Sticker
from app.packs.generation import current_generation
from tests.factories import imported_pack, signed_in_user
from tests.support.wait import wait_until

PICKER = "/api/widgets/stickerpicker"
ADMIN = "@root:example.org"


def bodies(html: bytes) -> list[str]:
    return re.findall(r'class="s" [^>]*><img [^>]*alt="([^"]*)"', html.decode())


def sections(html: bytes) -> list[str]:
    return re.findall(r'<section class="pack" id="pack-([^"]+)"', html.decode())


def revision(slug: str) -> int:
    return db.session.scalar(select(Pack.revision).where(Pack.slug == slug))


# --- the flush hook -------------------------------------------------------------------------------
def test_any_orm_change_to_a_pack_or_a_sticker_moves_its_revision(app, tmp_path):
    imported_pack(tmp_path / "cats", "cats", count=2)
    imported_pack(tmp_path / "dogs", "dogs", count=2)
    cats, dogs = revision("cats"), revision("dogs")
    assert cats != dogs and current_generation() == dogs

    sticker = db.session.scalars(select(Sticker).join(Pack).where(Pack.slug == "cats")).first()
    sticker.body = "Renamed by hand"  # nobody bumps the revision here
    db.session.commit()
    assert revision("cats") > dogs and revision("dogs") == dogs

    db.session.execute(update(Pack).where(Pack.slug == "dogs").values(name="Hounds"))  # a bulk UPDATE
    db.session.commit()
    assert revision("dogs") > revision("cats")

    cats_pack = db.session.scalar(select(Pack).where(Pack.slug == "cats"))
    cats_pack.stickers.pop()
    db.session.commit()
    assert revision("cats") == current_generation()


def test_a_rolled_back_change_moves_nothing(app, tmp_path):
    imported_pack(tmp_path / "cats", "cats", count=1)
    before = (current_generation(), revision("cats"))
    db.session.scalar(select(Pack)).name = "Not saved"
    db.session.flush()
    db.session.rollback()
    assert (current_generation(), revision("cats")) == before


# --- SQLite id reuse: the bug --------------------------------------------------------------
def test_a_pack_imported_after_a_delete_shows_only_its_own_stickers(app, client, tmp_path):
    imported_pack(tmp_path / "cats", "cats", bodies=["Old cat 1", "Old cat 2"])
    first = client.get(PICKER)
    assert bodies(first.data) == ["Old cat 1", "Old cat 2"]  # the section is cached now
    deleted_id = db.session.scalar(select(Pack.id))

    delete_pack("cats", actor=ADMIN)
    new = imported_pack(tmp_path / "owls", "owls", bodies=["Owl"])

    assert new.id != deleted_id
    page = client.get(PICKER)
    assert sections(page.data) == ["owls"] and bodies(page.data) == ["Owl"]


def test_even_a_reused_id_never_serves_the_deleted_packs_cached_section(app, client, tmp_path):
    """An old database (or another engine) may still hand out a deleted id: revisions differ anyway."""
    imported_pack(tmp_path / "cats", "cats", bodies=["Old cat"])
    assert bodies(client.get(PICKER).data) == ["Old cat"]
    deleted_id = db.session.scalar(select(Pack.id))
    delete_pack("cats", actor=ADMIN)
    new = imported_pack(tmp_path / "owls", "owls", bodies=["Owl"])
    new_id = new.id
    db.session.expunge_all()
    # Give the new pack the deleted pack's id, as SQLite without AUTOINCREMENT did.
    columns = ", ".join(column.name for column in Pack.__table__.columns if column.name not in ("id", "slug"))
    ids = {"old": deleted_id, "new": new_id}
    for statement in (f"INSERT INTO packs (id, slug, {columns}) SELECT :old, 'moving', {columns} FROM packs WHERE id = :new",
                      "UPDATE stickers SET pack_id = :old WHERE pack_id = :new",
                      "DELETE FROM packs WHERE id = :new",
                      "UPDATE packs SET slug = 'owls' WHERE id = :old"):
        db.session.execute(text(statement), ids)
    db.session.commit()
    assert db.session.scalar(select(Pack.id).where(Pack.slug == "owls")) == deleted_id

    assert bodies(client.get(PICKER).data) == ["Owl"]


def test_a_personal_picker_shows_a_sticker_edit_without_a_revision_bump(app, client, tmp_path):
    imported_pack(tmp_path / "cats", "cats", bodies=["Cat"])
    person = signed_in_user(kind="widget")
    assert bodies(client.get(PICKER, headers=person.headers).data) == ["Cat"]
    db.session.scalar(select(Sticker)).body = "Tabby"
    db.session.commit()
    assert bodies(client.get(PICKER, headers=person.headers).data) == ["Tabby"]


# --- two instances on one database -----------------------------------------------------------------
@pytest.fixture
def other_instance(app, app_config):
    """A second app (another worker or instance) on the same database, with its own caches."""
    other = create_app(app_config)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def picker_on(instance, headers=None) -> bytes:
    with instance.app_context():
        try:
            return instance.test_client().get(PICKER, headers=headers or {}).data
        finally:
            db.session.remove()


def test_a_change_through_one_instance_reaches_the_others_cached_picker(app, other_instance, tmp_path):
    imported_pack(tmp_path / "cats", "cats", bodies=["Cat"])
    imported_pack(tmp_path / "dogs", "dogs", bodies=["Dog"])
    assert sections(picker_on(other_instance)) == ["cats", "dogs"]  # cached over there

    update_pack("dogs", actor=ADMIN, status="hidden")
    wait_until(lambda: sections(picker_on(other_instance)) == ["cats"], timeout=10,
               message="the other instance's anonymous picker to drop the hidden pack")

    db.session.scalar(select(Sticker).join(Pack).where(Pack.slug == "cats")).body = "Tabby"
    db.session.commit()
    wait_until(lambda: bodies(picker_on(other_instance)) == ["Tabby"], timeout=10,
               message="the other instance to show the renamed sticker")


def test_the_other_instance_forgets_its_catalogue_caches_when_the_generation_moves(app, other_instance, tmp_path):
    imported_pack(tmp_path / "cats", "cats", bodies=["Cat"])
    picker_on(other_instance)
    with other_instance.app_context():
        sections_cache = other_instance.extensions["hexpack.caches"].get("widget.sections", dict)
        assert len(sections_cache) == 1

    update_pack("cats", actor=ADMIN, price_amount=0, position=1, status="removed")

    def forgotten() -> bool:
        picker_on(other_instance)
        return len(sections_cache) == 0

    wait_until(forgotten, timeout=10, message="the other instance to drop the removed pack's section")
