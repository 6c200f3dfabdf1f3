"""The public store's read side: published packs with their stickers, in catalogue order."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.media.urls import media_url
from app.models import Entitlement, Pack, Sticker, User
from app.packs.entitlements import owns
from app.packs.ownership import published_pack

PREVIEWS = 4  # stickers shown beside a pack in the picker's store tab


@dataclass(frozen=True)
class CatalogueEntry:
    """A published pack as the picker's store tab lists it."""

    pack: Pack
    stickers: int
    previews: list[str]  # thumbnail URLs of the first stickers; the first is the pack's icon
    owned: bool | None  # a live entitlement (bought, granted, added); None when nobody is signed in


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


def owns_pack(*, user: User, pack: Pack) -> bool:
    return owns(user_id=user.id, pack_id=pack.id)


def catalogue(*, user: User | None) -> list[CatalogueEntry]:
    """Every published pack with its sticker count and previews, marked owned for `user`."""
    packs = list(db.session.scalars(
        select(Pack).where(Pack.status == "published").order_by(Pack.position, Pack.id)))
    previews = _previews([pack.id for pack in packs])
    owned: set[int] = set()
    if user is not None:
        owned = set(db.session.scalars(select(Entitlement.pack_id).where(
            Entitlement.user_id == user.id, Entitlement.revoked_at.is_(None))))
    entries = []
    for pack in packs:
        count, urls = previews.get(pack.id, (0, []))
        entries.append(CatalogueEntry(pack=pack, stickers=count, previews=urls,
                                      owned=None if user is None else pack.id in owned))
    return entries


def _previews(pack_ids: list[int]) -> dict[int, tuple[int, list[str]]]:
    """(sticker count, thumbnail URLs of the first PREVIEWS stickers) per pack."""
    found: dict[int, tuple[int, list[str]]] = {}
    if not pack_ids:
        return found
    rows = db.session.execute(
        select(Sticker.pack_id, Sticker.thumb_sha256, Sticker.thumb_mimetype)
        .where(Sticker.pack_id.in_(pack_ids)).order_by(Sticker.pack_id, Sticker.position))
    for pack_id, sha256, mimetype in rows:
        count, urls = found.get(pack_id, (0, []))
        if count < PREVIEWS:
            urls.append(media_url(sha256, mimetype))
        found[pack_id] = (count + 1, urls)
    return found
