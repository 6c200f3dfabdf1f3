"""The public store's read side: published packs with their stickers, in catalogue order."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from app.exceptions import InvalidInput
from app.extensions import db
from app.media.urls import media_url
from app.models import Entitlement, Pack, Sticker, User
from app.packs.entitlements import owns
from app.packs.ownership import published_pack

PREVIEWS = 4  # stickers shown beside a pack in the picker's store tab
PAGE_SIZE = 50  # packs per page of GET /api/v1/store unless `limit` says otherwise
MAX_PAGE_SIZE = 200
MAX_TERMS = 8  # words of a store search that are matched


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


@dataclass(frozen=True)
class CataloguePage:
    """One page of the store tab's catalogue and the cursor of the next (None on the last page)."""

    entries: list[CatalogueEntry]
    next_cursor: str | None


def catalogue(*, user: User | None, query: str = "", cursor: str | None = None,
              limit: int = PAGE_SIZE) -> CataloguePage:
    """Published packs in catalogue order, from after `cursor`, whose name, author, description or
    slug contain every word of `query`; with sticker counts and previews, marked owned for `user`.

    Keyset pagination on (position, id), so a page costs the same at any depth and packs added or
    moved meanwhile are neither skipped twice nor lost from the pages not yet read."""
    statement = select(Pack).where(Pack.status == "published")
    for term in query.lower().split()[:MAX_TERMS]:
        statement = statement.where(or_(*(func.lower(column).contains(term, autoescape=True)
                                          for column in (Pack.name, Pack.author, Pack.description, Pack.slug))))
    if cursor is not None:
        position, pack_id = parse_cursor(cursor)
        statement = statement.where(tuple_(Pack.position, Pack.id) > tuple_(position, pack_id))
    packs = list(db.session.scalars(statement.order_by(Pack.position, Pack.id).limit(limit + 1)))
    more = len(packs) > limit
    packs = packs[:limit]
    previews = _previews([pack.id for pack in packs])
    owned = _owned(user, [pack.id for pack in packs])
    entries = []
    for pack in packs:
        count, urls = previews.get(pack.id, (0, []))
        entries.append(CatalogueEntry(pack=pack, stickers=count, previews=urls,
                                      owned=None if user is None else pack.id in owned))
    next_cursor = f"{packs[-1].position}.{packs[-1].id}" if more else None
    return CataloguePage(entries=entries, next_cursor=next_cursor)


def parse_cursor(cursor: str) -> tuple[int, int]:
    """The (position, id) a `next` cursor names; InvalidInput for anything else."""
    match = re.fullmatch(r"(-?\d{1,18})\.(\d{1,18})", cursor)
    if match is None:
        raise InvalidInput("cursor must be the 'next' value of the previous page.")
    return int(match.group(1)), int(match.group(2))


def _owned(user: User | None, pack_ids: list[int]) -> set[int]:
    if user is None or not pack_ids:
        return set()
    return set(db.session.scalars(select(Entitlement.pack_id).where(
        Entitlement.user_id == user.id, Entitlement.pack_id.in_(pack_ids), Entitlement.revoked_at.is_(None))))


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
