"""Writing exported packs into users' rooms: one claimed row at a time, after the commit that
marked it (a background thread, like the bot's outbox) or from `flask exports sync` (cron).

A sync writes what is true when it runs: the pack's parts while the user may use it, else
`{"images": {}}` in every key it had (a refund, revoke or takedown). Parts the pack no longer needs
after it shrank are emptied too. Homeserver trouble is retried with backoff; nothing is lost.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

from app.exceptions import BotNotConfigured, BotRefused, BotUnavailable, InvalidInput, UpstreamError
from app.exports import jobs
from app.exports.access import may_use
from app.exports.content import EMPTY, EVENT_TYPES, pack_contents, state_key
from app.exports.room_services import recorded_room
from app.extensions import db
from app.matrix.bot import BotClient
from app.models import Pack, PackExport
from app.packs.publish import publish_packs
from app.transactions import transaction

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    written: int = 0
    retrying: int = 0
    failed: int = 0


def sync_due(*, client: BotClient | None = None, limit: int = 100, ignore_backoff: bool = False) -> SyncReport:
    """Sync up to `limit` due exports; raises BotNotConfigured before touching a row."""
    client = client or BotClient.from_config(current_app.config)
    report, tried = SyncReport(), set()
    while len(tried) < limit:
        with transaction():
            export_id = jobs.claim_next(skip=tried, ignore_backoff=ignore_backoff)
        if export_id is None:
            break
        tried.add(export_id)
        try:
            sync_claimed(client, export_id)
            report.written += 1
        except BotRefused:
            report.failed += 1
        except (BotUnavailable, UpstreamError):
            report.retrying += 1
    return report


def sync_claimed(client: BotClient, export_id: int) -> int:
    """Write the state of one export this run has claimed; returns its parts. Failures are recorded
    on the row (and re-raised): BotRefused stops until the next mark, the others are retried."""
    parts = 0
    try:
        generation, slug, room_id, old_parts, contents = _wanted_state(export_id)
        parts = max(old_parts, len(contents))
        if room_id is not None:
            _write(client, room_id, slug, contents, old_parts)
    except (BotRefused, BotUnavailable, UpstreamError) as error:
        log.warning("pack export %s not written: %s", export_id, error.message)
        with transaction():
            jobs.record_failure(export_id, error.message, parts=parts, permanent=isinstance(error, BotRefused),
                                retry_after=getattr(error, "retry_after", None))
        raise
    written = len(contents) if room_id is not None else 0  # no room (being replaced): it rewrites all
    with transaction():
        jobs.record_synced(export_id, generation=generation, parts=written)
    return written


def _wanted_state(export_id: int) -> tuple[int, str, str | None, int, list[dict]]:
    """(generation read, pack slug, room id, parts now in the room, contents to write); read in a
    closed transaction, so no transaction stays open while the homeserver answers."""
    export = db.session.get(PackExport, export_id, populate_existing=True)
    pack = db.session.get(Pack, export.pack_id)
    generation, old_parts, wanted = export.generation, export.parts, may_use(user_id=export.user_id, pack=pack)
    if wanted and any(sticker.mxc_uri is None for sticker in pack.stickers):
        publish_stickers(pack.slug)
        db.session.refresh(pack)
    contents = pack_contents(pack) if wanted and pack.stickers else []
    answer = (generation, pack.slug, recorded_room(export.user_id), old_parts, contents)
    db.session.rollback()
    return answer


def _write(client: BotClient, room_id: str, slug: str, contents: list[dict], old_parts: int) -> None:
    """The parts first, then empty what the pack no longer fills (at least the first key when empty)."""
    for part, content in enumerate(contents, start=1):
        for event_type in EVENT_TYPES:
            client.put_state(room_id, event_type, state_key(slug, part), content)
    for part in range(len(contents) + 1, max(old_parts, 1) + 1):
        for event_type in EVENT_TYPES:
            client.put_state(room_id, event_type, state_key(slug, part), EMPTY)


def publish_stickers(slug: str) -> None:
    """Upload the pack's stickers that are not on the homeserver yet (the `packs upload` path)."""
    try:
        publish_packs(slug=slug)
    except InvalidInput as error:  # no homeserver settings
        raise BotNotConfigured(error.message) from None
