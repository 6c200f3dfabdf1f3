"""The durable sync queue of exported packs: the pack_exports rows themselves.

A row needs a sync while generation > synced_generation (marks in app/packs/exported.py bump it
in the transaction of the change). A run leases a row with a compare-and-set UPDATE on
claimed_until (the same SQL on SQLite and PostgreSQL, as the bot's outbox), writes the state that is
true then, and records the generation it read: a mark made meanwhile leaves the row due again.
Nothing here commits: the callers own the transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select, update

from app.extensions import db
from app.models import PackExport, utcnow
from app.sqlhelpers import insert_or_ignore

LEASE = timedelta(minutes=5)  # longer than publishing a pack's stickers and writing its parts
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(hours=1)


def record_export(*, user_id: int, pack_id: int) -> tuple[int, int]:
    """The user's export of the pack, created if new, marked as needing a sync; its (id, generation).
    No after-commit flag: the export request syncs it itself."""
    now = utcnow()
    insert_or_ignore(PackExport, {"user_id": user_id, "pack_id": pack_id, "parts": 0, "generation": 0,
                                  "synced_generation": 0, "attempts": 0, "created_at": now},
                     ["user_id", "pack_id"])
    db.session.execute(update(PackExport).where(PackExport.user_id == user_id, PackExport.pack_id == pack_id)
                       .values(generation=PackExport.generation + 1, next_sync_at=now, attempts=0))
    row = db.session.execute(select(PackExport.id, PackExport.generation).where(
        PackExport.user_id == user_id, PackExport.pack_id == pack_id)).one()
    return row.id, row.generation


def current(export_id: int) -> PackExport:
    """The row as the database has it now (another run may have changed it)."""
    return db.session.get(PackExport, export_id, populate_existing=True)


def _claimable(now: datetime):
    return (PackExport.generation > PackExport.synced_generation, PackExport.next_sync_at.is_not(None),
            or_(PackExport.claimed_until.is_(None), PackExport.claimed_until < now))


def claim(export_id: int) -> bool:
    """Lease this row now, whatever its backoff; False when it needs no sync or another run holds it."""
    now = utcnow()
    claimed = db.session.execute(update(PackExport).where(PackExport.id == export_id, *_claimable(now))
                                 .values(claimed_until=now + LEASE))
    return claimed.rowcount == 1


def claim_next(*, skip: set[int], ignore_backoff: bool = False) -> int | None:
    """Lease the oldest due row not in `skip`; its id, or None when nothing is due."""
    now = utcnow()
    conditions = list(_claimable(now))
    if not ignore_backoff:
        conditions.append(PackExport.next_sync_at <= now)
    if skip:
        conditions.append(PackExport.id.not_in(skip))
    for candidate in db.session.scalars(select(PackExport.id).where(*conditions).order_by(PackExport.id).limit(20)):
        if claim(candidate):
            return candidate
    return None


def record_synced(export_id: int, *, generation: int, parts: int) -> None:
    """The state of `generation` is in the room; due again at once if a mark came meanwhile."""
    now = utcnow()
    db.session.execute(update(PackExport).where(PackExport.id == export_id).values(
        synced_generation=generation, parts=parts, claimed_until=None, attempts=0, last_error=None,
        synced_at=now, next_sync_at=case((PackExport.generation > generation, now), else_=None)))


def record_failure(export_id: int, error: str, *, parts: int, permanent: bool,
                   retry_after: float | None = None) -> None:
    """Count the attempt and schedule the next (with backoff), or stop until the next mark.
    `parts`: keys that may now hold images (a write may have got halfway)."""
    export = db.session.get(PackExport, export_id, populate_existing=True)
    now = utcnow()
    export.attempts += 1
    export.last_error = error[:2000]
    export.claimed_until = None
    export.parts = max(export.parts, parts)
    delay = min(FIRST_RETRY * 2 ** min(export.attempts - 1, 20), MAX_RETRY)
    export.next_sync_at = None if permanent else now + max(delay, timedelta(seconds=retry_after or 0))


def count_due() -> int:
    return db.session.scalar(select(func.count(PackExport.id)).where(
        PackExport.generation > PackExport.synced_generation, PackExport.next_sync_at.is_not(None)))
