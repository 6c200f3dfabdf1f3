"""Keeping exported packs in step: mark a user's (or every user's) export of a pack for a re-sync.

A pack exported to a user's Matrix room (app/exports) is room state the bot wrote. Whatever changes
what that state should be (a revoke, a refund, a takedown, a new version of the pack) calls one of
these inside its own transaction: the mark commits or rolls back with the change, and after the
commit a sync run (app/exports/services.py) rewrites or empties the state. Nothing here commits.
"""
from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.models import Pack, PackExport, utcnow

# Set on the session when a mark was made: the after-commit hook then starts a sync run.
SYNC_PENDING_FLAG = "hexpack.pack_exports_pending"


def mark_export(*, user_id: int, pack_id: int) -> bool:
    """The user's export of this pack (if any) needs a sync; True when there was one."""
    return _mark(PackExport.user_id == user_id, PackExport.pack_id == pack_id) > 0


def sync_pack_exports(pack: Pack) -> int:
    """Every user's export of `pack` needs a sync (new version, status change such as a takedown to
    `removed`); returns how many. Call it inside the transaction that changes the pack."""
    return _mark(PackExport.pack_id == pack.id)


def _mark(*where) -> int:
    result = db.session.execute(update(PackExport).where(*where).values(
        generation=PackExport.generation + 1, next_sync_at=utcnow(), attempts=0))
    if result.rowcount:
        db.session.info[SYNC_PENDING_FLAG] = True
    return result.rowcount
