"""Migration 0008 on a database with data: packs and stickers keep their rows (SQLite rebuilds the
tables for AUTOINCREMENT), the generation starts above every stored revision, a deleted pack's id
is not handed out again, and 'withdrawn' (the old README's hand-made status) becomes 'removed'."""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.test_migrations import fresh_app  # noqa: F401 (fixture)

PACK = ("INSERT INTO packs (slug, name, description, author, license, attribution, price_amount, currency, status, "
        "position, created_at, revision) VALUES (:slug, :slug, '', '', '', '', 0, 'usd', :status, 1, "
        "CURRENT_TIMESTAMP, :revision)")


def rows(sql: str) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(text(sql))]


def test_upgrade_keeps_the_rows_and_ids_are_never_reused(fresh_app):  # noqa: F811
    upgrade(revision="0007")
    for slug, status, revision in (("kept", "published", 7), ("gone", "withdrawn", 2)):
        db.session.execute(text(PACK), {"slug": slug, "status": status, "revision": revision})
    db.session.commit()

    upgrade()

    assert rows("SELECT id, slug, status, revision FROM packs ORDER BY id") == [
        (1, "kept", "published", 7), (2, "gone", "removed", 2)]
    assert rows("SELECT id, generation FROM catalogue_state") == [(1, 7)]
    db.session.execute(text("DELETE FROM packs WHERE slug = 'gone'"))
    db.session.execute(text(PACK), {"slug": "new", "status": "published", "revision": 8})
    db.session.commit()
    assert rows("SELECT id FROM packs WHERE slug = 'new'") == [(3,)]
    db.session.remove()

    downgrade(revision="0007")
    assert rows("SELECT slug FROM packs ORDER BY id") == [("kept",), ("new",)]
