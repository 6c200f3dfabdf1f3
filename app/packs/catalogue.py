"""Read-side queries over the pack catalogue."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Pack


def published_free_pack_keys() -> list[tuple[int, int]]:
    """(id, revision) of every published free pack, in catalogue order: a cheap cache key."""
    rows = db.session.execute(
        select(Pack.id, Pack.revision)
        .where(Pack.status == "published", Pack.price_amount == 0)
        .order_by(Pack.position, Pack.id)
    )
    return [tuple(row) for row in rows]


def packs_with_stickers(pack_ids: list[int]) -> dict[int, Pack]:
    if not pack_ids:
        return {}
    packs = db.session.scalars(
        select(Pack).where(Pack.id.in_(pack_ids)).options(selectinload(Pack.stickers))
    )
    return {pack.id: pack for pack in packs}


def get_pack(slug: str) -> Pack | None:
    return db.session.scalar(select(Pack).where(Pack.slug == slug))
