"""The public store's read side: published packs with their stickers, in catalogue order."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Pack, User
from app.packs.ownership import published_pack


def store_packs() -> list[Pack]:
    return list(db.session.scalars(
        select(Pack).where(Pack.status == "published")
        .options(selectinload(Pack.stickers)).order_by(Pack.position, Pack.id)
    ))


def store_pack(slug: str) -> tuple[Pack, User | None]:
    """The published pack and its creator (if any); NotFound otherwise."""
    pack = published_pack(slug)
    creator = db.session.get(User, pack.creator_id) if pack.creator_id else None
    return pack, creator
