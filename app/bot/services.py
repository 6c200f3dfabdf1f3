"""Bot use cases: deliver the outbox, queue a notice, and start a delivery run after each commit
that queued a message.

When messages leave: (1) right after the commit that queued them, a background thread (a greenlet
under gunicorn's gevent workers) of the same process runs deliver_due(), so the request never
waits for the homeserver and never fails because of it; (2) `flask bot deliver` (cron, or
`--loop SECONDS` as a worker process). Every run sends *all* due messages, including earlier
failures whose backoff has passed, so each run is also the sweep that retries them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.bot.outbox import PENDING_FLAG, claim_next, enqueue_message, record_failure, record_sent
from app.bot.rooms import known_room, record_room
from app.background import AfterCommitRunner
from app.exceptions import BotNotConfigured, BotRefused, BotUnavailable
from app.extensions import db
from app.matrix.bot import BotClient
from app.models import BotMessage
from app.transactions import transaction

log = logging.getLogger(__name__)
LIVE_MEMBERSHIPS = ("join", "invite")
EXTENSION_KEY = "hexpack_bot_delivery"


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0  # failed for now (homeserver down, rate limit): tried again later
    failed: int = 0  # refused for good (e.g. no such user)


def queue_notice(recipient: str, body: str, html: str) -> BotMessage:
    """Queue one message in its own transaction (for operators; features enqueue in theirs)."""
    with transaction():
        return enqueue_message(recipient, body, html)


def deliver_due(*, client: BotClient | None = None, limit: int = 100,
                ignore_backoff: bool = False) -> DeliveryReport:
    """Send up to `limit` due messages, each claimed first so no other run sends it too.

    Raises BotNotConfigured (before touching any row) when the bot has no settings.
    `ignore_backoff` also sends messages whose next attempt is still in the future.
    """
    client = client or BotClient.from_config(current_app.config)
    report, tried = DeliveryReport(), set()
    while len(tried) < limit:
        with transaction():
            message_id = claim_next(skip=tried, ignore_backoff=ignore_backoff)
        if message_id is None:
            break
        tried.add(message_id)
        _deliver_one(client, message_id, report)
    return report


def _deliver_one(client: BotClient, message_id: int, report: DeliveryReport) -> None:
    message = db.session.get(BotMessage, message_id)
    recipient, txn_id, body, html = message.recipient, message.txn_id, message.body, message.html
    db.session.rollback()  # a read only: no transaction stays open while the homeserver answers
    try:
        room_id = direct_room(client, recipient)
        event_id = client.send_notice(room_id, txn_id, body, html)
    except BotRefused as error:
        log.warning("bot message %s to %s refused for good: %s", message_id, recipient, error.message)
        with transaction():
            record_failure(message_id, error.message, permanent=True)
        report.failed += 1
        return
    except BotUnavailable as error:
        log.warning("bot message %s to %s not sent yet: %s", message_id, recipient, error.message)
        with transaction():
            record_failure(message_id, error.message, permanent=False, retry_after=error.retry_after)
        report.retrying += 1
        return
    with transaction():
        record_sent(message_id, room_id=room_id, event_id=event_id)
    report.sent += 1


def direct_room(client: BotClient, matrix_id: str) -> str:
    """The bot's DM room with `matrix_id`: the recorded one while the user is in it (or invited),
    else a new one, recorded and marked direct (invite with is_direct, the bot's m.direct)."""
    known = known_room(matrix_id)
    if known and client.membership(known, matrix_id) in LIVE_MEMBERSHIPS:
        return known
    created = client.create_direct_room(matrix_id)
    try:
        with transaction():
            recorded = record_room(matrix_id, known, created)
    except IntegrityError:  # another worker recorded a first room at the same time
        recorded = False
    if not recorded:  # use theirs
        _leave_quietly(client, created)
        return known_room(matrix_id)
    client.mark_direct(matrix_id, created)
    return created


def _leave_quietly(client: BotClient, room_id: str) -> None:
    try:
        client.leave_room(room_id)
    except (BotRefused, BotUnavailable) as error:  # a stray empty room, not a lost message
        log.warning("could not leave the duplicate bot room %s: %s", room_id, error.message)


# --- delivery right after the commit -------------------------------------------------------

def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = AfterCommitRunner("hexpack-bot-delivery", deliver_due, what="bot messages",
                                                      expected=(BotNotConfigured,))
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget_pending)


def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING_FLAG, None)  # the rolled-back messages are gone


def _after_commit(session: Session) -> None:
    if not session.info.pop(PENDING_FLAG, False):
        return
    app = current_app._get_current_object()
    if app.config.get("BOT_DELIVER_AFTER_COMMIT", True) and EXTENSION_KEY in app.extensions:
        app.extensions[EXTENSION_KEY].start(app)


def wait_for_background_delivery(app: Flask, timeout: float = 30) -> None:
    """Block until this process's after-commit delivery run (if any) has finished."""
    app.extensions[EXTENSION_KEY].wait(timeout)
