"""Read-side queries over the pack catalogue."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from app.caching import app_cache
from app.extensions import db
from app.models import Pack, Sticker
from app.packs import generation
from app.outage import is_database_unavailable, report_unavailable


# Built once: this runs on every picker open, and building the statement and going through
# the ORM session cost four times as much as the query itself (bench/picker_load.py).
_PUBLISHED_FREE_KEYS = (
    select(Pack.id, Pack.revision)
    .where(Pack.status == "published", Pack.price_amount == 0)
    .order_by(Pack.position, Pack.id)
)
# Each worker reuses the answer for a second: a busy picker then costs one connection per second
# per worker instead of two database round trips (pool ping + query) per open. A commit in
# this process forgets it at once; other workers and instances see a change within KEYS_TTL
# (even one made with plain SQL), and the same connection reads the catalogue generation.
KEYS_TTL = 1.0


@dataclass
class _KeysCache:
    fetched_at: float = 0.0
    keys: list[tuple[int, int]] | None = field(default=None)
    refreshing: bool = False  # one request of this worker asks; the others use the last keys meanwhile

    def clear(self) -> None:
        self.keys = None


def published_free_pack_keys() -> list[tuple[int, int]]:
    """(id, revision) of every published free pack, in catalogue order: a cheap cache key."""
    cached = app_cache("packs.free_keys", _KeysCache, forget_on_commit=True, catalogue=True)
    now = time.monotonic()
    if cached.keys is not None and (cached.refreshing or now - cached.fetched_at < KEYS_TTL):
        return cached.keys
    cached.refreshing = True
    try:
        keys = _query_keys()
    except SQLAlchemyError as error:
        if cached.keys is None or not is_database_unavailable(error):
            raise
        # The database is away: the last good keys (and the pages cached under them) keep the
        # anonymous picker answering; ask again after KEYS_TTL.
        report_unavailable(error, "the anonymous picker serves its last good pack list")
        cached.fetched_at = time.monotonic()
        return cached.keys
    finally:
        cached.refreshing = False
    cached.fetched_at, cached.keys = now, keys
    return keys


def free_keys_fresh_until(keys: list[tuple[int, int]]) -> float:
    """Until when (time.monotonic()) this process reuses `keys`, an answer of
    published_free_pack_keys: what is built from them may be served as long (app.widget.fast_path).
    In the past once they were forgotten or replaced."""
    cached = app_cache("packs.free_keys", _KeysCache, forget_on_commit=True, catalogue=True)
    return cached.fetched_at + KEYS_TTL if cached.keys is keys else float("-inf")


def _query_keys() -> list[tuple[int, int]]:
    with db.engine.connect() as connection:
        moved_to = connection.execute(generation.READ_GENERATION).scalar()
        keys = [tuple(row) for row in connection.execute(_PUBLISHED_FREE_KEYS)]
    generation.note(moved_to)  # another process changed a pack: forget this one's older pages
    return keys


def packs_with_stickers(pack_ids: list[int]) -> dict[int, Pack]:
    if not pack_ids:
        return {}
    packs = db.session.scalars(
        select(Pack).where(Pack.id.in_(pack_ids)).options(selectinload(Pack.stickers))
    )
    return {pack.id: pack for pack in packs}


def get_pack(slug: str) -> Pack | None:
    return db.session.scalar(select(Pack).where(Pack.slug == slug))


def pack_overview() -> list:
    """Every pack in catalogue order: (slug, name, price_amount, currency, status, stickers,
    published stickers), for operators."""
    return db.session.execute(
        select(Pack.slug, Pack.name, Pack.price_amount, Pack.currency, Pack.status,
               func.count(Sticker.id), func.count(Sticker.mxc_uri))
        .join(Sticker, Sticker.pack_id == Pack.id, isouter=True)
        .group_by(Pack.id).order_by(Pack.position, Pack.id)
    ).all()
