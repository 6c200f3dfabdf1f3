"""The bot's durable outbox: a message is written in the transaction of the change that caused it
and sent after the commit, by whichever delivery run claims it first.

Claiming is a compare-and-set UPDATE on `claimed_until` (a lease), the same SQL on SQLite and
PostgreSQL: of two runs racing for a row, exactly one sees its UPDATE match. A run that dies
mid-send leaves the lease to expire; the next run sends again with the same Matrix transaction
id, which the homeserver deduplicates. Nothing here commits: the callers own the transaction.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from app.exceptions import InvalidInput
from app.extensions import db
from app.models import BotMessage, utcnow

# Set on the session by enqueue_message: the after-commit hook then starts a delivery run.
PENDING_FLAG = "hexpack.bot_outbox_pending"
LEASE = timedelta(seconds=60)  # longer than one send with its retries (app.matrix.bot)
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(hours=1)
MATRIX_ID = re.compile(r"@[^:\s]+:[^\s]+")


def enqueue_message(recipient: str, body: str, html: str) -> BotMessage:
    """Add a message for `recipient` to the current transaction; it is sent after the commit."""
    if not MATRIX_ID.fullmatch(recipient or "") or len(recipient) > 255:
        raise InvalidInput(f"Not a Matrix ID: {recipient!r} (expected @user:server).")
    message = BotMessage(txn_id=f"hexpack-{uuid.uuid4().hex}", recipient=recipient, body=body, html=html,
                         next_attempt_at=utcnow(), attempts=0)
    db.session.add(message)
    db.session.info[PENDING_FLAG] = True
    return message


def _claimable(now: datetime):
    return BotMessage.next_attempt_at.is_not(None), or_(BotMessage.claimed_until.is_(None),
                                                         BotMessage.claimed_until < now)


def claim_next(*, skip: set[int], ignore_backoff: bool = False) -> int | None:
    """Lease the oldest due message not in `skip`; its id, or None when nothing is due."""
    now = utcnow()
    conditions = list(_claimable(now))
    if not ignore_backoff:
        conditions.append(BotMessage.next_attempt_at <= now)
    if skip:
        conditions.append(BotMessage.id.not_in(skip))
    for candidate in db.session.scalars(select(BotMessage.id).where(*conditions).order_by(BotMessage.id).limit(20)):
        claimed = db.session.execute(update(BotMessage).where(BotMessage.id == candidate, *_claimable(now))
                                     .values(claimed_until=now + LEASE))
        if claimed.rowcount == 1:
            return candidate
    return None


def record_sent(message_id: int, *, room_id: str, event_id: str) -> None:
    db.session.execute(update(BotMessage).where(BotMessage.id == message_id).values(
        sent_at=utcnow(), room_id=room_id, event_id=event_id, next_attempt_at=None, claimed_until=None,
        last_error=None, attempts=BotMessage.attempts + 1))


def record_failure(message_id: int, error: str, *, permanent: bool, retry_after: float | None = None) -> None:
    """Count the attempt; schedule the next one with backoff, or give up when retrying cannot help."""
    message = db.session.get(BotMessage, message_id)
    now = utcnow()
    message.attempts += 1
    message.last_error = error[:2000]
    message.claimed_until = None
    if permanent:
        message.failed_at, message.next_attempt_at = now, None
        return
    delay = min(FIRST_RETRY * 2 ** min(message.attempts - 1, 20), MAX_RETRY)
    message.next_attempt_at = now + max(delay, timedelta(seconds=retry_after or 0))


@dataclass
class OutboxStatus:
    queued: int
    due: int
    sent: int
    failed: int
    waiting: list[BotMessage]  # the oldest queued messages, with their last errors
    recently_failed: list[BotMessage]


def outbox_status(*, show: int = 10) -> OutboxStatus:
    queued = BotMessage.next_attempt_at.is_not(None)
    return OutboxStatus(
        queued=_count(queued), due=_count(queued, BotMessage.next_attempt_at <= utcnow()),
        sent=_count(BotMessage.sent_at.is_not(None)), failed=_count(BotMessage.failed_at.is_not(None)),
        waiting=list(db.session.scalars(select(BotMessage).where(queued).order_by(BotMessage.id).limit(show))),
        recently_failed=list(db.session.scalars(select(BotMessage).where(BotMessage.failed_at.is_not(None))
                                                .order_by(BotMessage.id.desc()).limit(show))),
    )


def _count(*where) -> int:
    return db.session.scalar(select(func.count(BotMessage.id)).where(*where))
