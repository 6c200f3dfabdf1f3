"""The public store's read side: published packs with their stickers, in catalogue order."""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from app.auth.tokens import TOKEN_COLUMNS, check_token_row, hash_token
from app.caching import app_cache
from app.exceptions import InvalidInput
from app.extensions import db
from app.media.urls import media_url
from app.models import ApiToken, Entitlement, Pack, Sticker, User
from app.packs import generation
from app.packs.entitlements import owns
from app.packs.ownership import published_pack

PREVIEWS = 4  # stickers shown beside a pack in the picker's store tab
PAGE_SIZE = 50  # packs per page of GET /api/v1/store unless `limit` says otherwise
MAX_PAGE_SIZE = 200
MAX_TERMS = 8  # words of a store search that are matched
CACHED_PAGES = 256  # store pages each process keeps (per catalogue generation)
_LISTED = (Pack.id, Pack.slug, Pack.name, Pack.description, Pack.author, Pack.license, Pack.price_amount,
           Pack.currency, Pack.creator_id)


# A signed-in store request's one query: the token (for its liveness check), its user's Matrix ID,
# and that user's live entitlements among the page's packs (the unique (user_id, pack_id) index).
_CALLER_OWNING = (
    select(*TOKEN_COLUMNS, User.matrix_id, Entitlement.pack_id).select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Entitlement, and_(Entitlement.user_id == ApiToken.user_id, Entitlement.revoked_at.is_(None),
                                 Entitlement.pack_id.in_(bindparam("pack_ids", expanding=True))))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True)
class StorePack:
    """A published pack's listed fields, read once per catalogue generation and shared by requests."""

    id: int
    slug: str
    name: str
    description: str
    author: str
    license: str
    price_amount: int
    currency: str
    creator_id: int | None

    @property
    def is_free(self) -> bool:
        return self.price_amount == 0


@dataclass(frozen=True)
class CatalogueEntry:
    """A published pack as the picker's store tab lists it."""

    pack: StorePack
    stickers: int
    previews: list[str]  # thumbnail URLs of the first stickers; the first is the pack's icon
    owned: bool | None  # a live entitlement (bought, granted, added); None when nobody is signed in


class _PageCache(OrderedDict):
    """The last pages asked for (searches are anyone's words: bounded, least recently used out)."""

    def fetch(self, key, read):
        if key in self:
            self.move_to_end(key)
            return self[key]
        self[key] = value = read()
        while len(self) > CACHED_PAGES:
            self.popitem(last=False)
        return value


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


@dataclass
class StorePage:
    """One page of published packs as every caller sees it: (pack, sticker count, preview URLs) rows
    and the next page's cursor. Shared by requests until the catalogue generation moves; `rendered`
    keeps what the API built from it once (app.store.page_json)."""

    rows: list[tuple[StorePack, int, list[str]]]
    next_cursor: str | None
    rendered: dict = field(default_factory=dict, compare=False)

    @property
    def pack_ids(self) -> list[int]:
        return [pack.id for pack, _count, _urls in self.rows]


def store_page(*, query: str = "", cursor: str | None = None, limit: int = PAGE_SIZE) -> StorePage:
    """Published packs in catalogue order, from after `cursor`, whose name, author, description or
    slug contain every word of `query`; with sticker counts and previews, for nobody in particular.

    Keyset pagination on (position, id), so a page costs the same at any depth and packs added or
    moved meanwhile are neither skipped twice nor lost from the pages not yet read. Pages are
    cached per process until the catalogue generation moves."""
    terms = tuple(query.lower().split()[:MAX_TERMS])
    after = parse_cursor(cursor) if cursor is not None else None
    generation.watch()  # another worker or instance changed a pack: forget the cached pages
    # Not forget_on_commit: a sign-in or a purchase leaves every page as it was; a commit that
    # changed a pack moves the generation, which forgets the pages (app.packs.generation).
    pages = app_cache("store.pages", _PageCache, catalogue=True)
    return pages.fetch((terms, after, limit), lambda: StorePage(*_read_page(terms, after, limit)))


def catalogue(*, user: User | None, query: str = "", cursor: str | None = None,
              limit: int = PAGE_SIZE) -> CataloguePage:
    """store_page's packs marked owned for `user` (one query per call: only `owned` is per user)."""
    page = store_page(query=query, cursor=cursor, limit=limit)
    owned = owned_pack_ids(user, page.pack_ids)
    entries = [CatalogueEntry(pack=pack, stickers=count, previews=urls,
                              owned=None if user is None else pack.id in owned) for pack, count, urls in page.rows]
    return CataloguePage(entries=entries, next_cursor=page.next_cursor)


def _read_page(terms: tuple[str, ...], after: tuple[int, int] | None, limit: int):
    statement = select(*_LISTED, Pack.position).where(Pack.status == "published")
    for term in terms:
        statement = statement.where(or_(*(func.lower(column).contains(term, autoescape=True)
                                          for column in (Pack.name, Pack.author, Pack.description, Pack.slug))))
    if after is not None:
        statement = statement.where(tuple_(Pack.position, Pack.id) > tuple_(*after))
    found = db.session.execute(statement.order_by(Pack.position, Pack.id).limit(limit + 1)).all()
    more = len(found) > limit
    packs = [StorePack(*row[:-1]) for row in found[:limit]]
    previews = _previews([pack.id for pack in packs])
    rows = [(pack, *previews.get(pack.id, (0, []))) for pack in packs]
    last = found[limit - 1] if more else None
    return rows, (f"{last.position}.{last.id}" if more else None)


def parse_cursor(cursor: str) -> tuple[int, int]:
    """The (position, id) a `next` cursor names; InvalidInput for anything else."""
    match = re.fullmatch(r"(-?\d{1,18})\.(\d{1,18})", cursor)
    if match is None:
        raise InvalidInput("cursor must be the 'next' value of the previous page.")
    return int(match.group(1)), int(match.group(2))


def owned_pack_ids(user: User | None, pack_ids: list[int]) -> set[int]:
    """Which of these packs `user` holds a live entitlement for (the unique (user_id, pack_id) index)."""
    if user is None or not pack_ids:
        return set()
    return set(db.session.scalars(select(Entitlement.pack_id).where(
        Entitlement.user_id == user.id, Entitlement.pack_id.in_(pack_ids), Entitlement.revoked_at.is_(None))))


def caller_owning(raw_token: str, pack_ids: list[int]) -> tuple[str, set[int]]:
    """The Matrix ID of the token's user and which of `pack_ids` they own, in one round trip;
    Unauthorized (401) when the token is unknown, revoked or expired."""
    rows = db.session.connection().execute(_CALLER_OWNING, {"token_hash": hash_token(raw_token),
                                                            "pack_ids": pack_ids}).all()
    check_token_row(rows[0] if rows else None)
    return rows[0].matrix_id, {row.pack_id for row in rows if row.pack_id is not None}


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
