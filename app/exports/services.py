"""Use cases of exporting a pack to a user's Matrix room, and the sync run started after each commit
that marked an export (app/packs/exported.py: revokes, refunds, takedowns, new versions).

`export_pack` does the whole job in the request, so the user sees the result or a clear error
(503 while the homeserver is down; asking again works): publish the stickers that are not on the
homeserver, find or create the user's room, record the export, write it.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.background import AfterCommitRunner
from app.exceptions import BotNotConfigured, BotRefused, BotUnavailable
from app.exports import jobs
from app.exports.access import usable_pack
from app.exports.room_services import pack_room
from app.exports.sync_services import publish_stickers, sync_claimed, sync_due
from app.extensions import db
from app.matrix.bot import BotClient
from app.models import User
from app.packs.exported import SYNC_PENDING_FLAG
from app.transactions import transaction

log = logging.getLogger(__name__)
EXTENSION_KEY = "hexpack_export_sync"
WAIT_FOR_OTHER_RUN = 20.0  # seconds an export waits for a background run writing the same pack


@dataclass(frozen=True)
class ExportResult:
    room_id: str
    parts: int  # state keys the pack fills (1 unless it is too big for one event)


def export_pack(*, user: User, slug: str) -> ExportResult:
    """Write the pack `slug` that `user` may use into their pack room (created on first use)."""
    pack = usable_pack(user=user, slug=slug)
    client = BotClient.from_config(current_app.config)
    if any(sticker.mxc_uri is None for sticker in pack.stickers):
        publish_stickers(pack.slug)
    room_id = pack_room(client, user)
    with transaction():
        export_id, generation = jobs.record_export(user_id=user.id, pack_id=pack.id)
    return ExportResult(room_id=room_id, parts=_write_or_wait(client, export_id, generation))


def _write_or_wait(client: BotClient, export_id: int, generation: int) -> int:
    """Write the export now, unless another run holds it: then wait until that run has written our
    generation (or a newer one), or failed for good (its error is ours)."""
    deadline = time.monotonic() + WAIT_FOR_OTHER_RUN
    while True:
        with transaction():
            claimed = jobs.claim(export_id)
        if claimed:
            return sync_claimed(client, export_id)
        row = jobs.current(export_id)
        if row.synced_generation >= generation:
            return row.parts
        if row.claimed_until is None and row.next_sync_at is None and row.last_error:
            raise BotRefused(row.last_error)
        if time.monotonic() > deadline:
            raise BotUnavailable("Your pack is being written by another run; try again in a minute.")
        db.session.rollback()
        time.sleep(0.25)


# --- the sync run after a commit that marked exports -------------------------------------------

def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = AfterCommitRunner("hexpack-export-sync", sync_due, what="pack exports",
                                                      expected=(BotNotConfigured,))
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget_pending)


def _forget_pending(session: Session) -> None:
    session.info.pop(SYNC_PENDING_FLAG, None)


def _after_commit(session: Session) -> None:
    if not session.info.pop(SYNC_PENDING_FLAG, False):
        return
    app = current_app._get_current_object()
    if app.config.get("BOT_DELIVER_AFTER_COMMIT", True) and EXTENSION_KEY in app.extensions:
        app.extensions[EXTENSION_KEY].start(app)


def wait_for_background_sync(app: Flask, timeout: float = 60) -> None:
    """Block until this process's after-commit sync run (if any) has finished."""
    app.extensions[EXTENSION_KEY].wait(timeout)
