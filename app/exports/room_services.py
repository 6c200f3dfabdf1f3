"""The bot's one pack room per user: created once (even under concurrent exports), the user
invited again if they left or rejected the invite, replaced if the bot lost it.

Creating a room is leased like a job: the request that inserts or claims the user's export_rooms row
(room_id NULL, creating_until in the future) creates the room; the others wait for its room id.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import or_, select, update

from app.exceptions import BotRefused, BotUnavailable
from app.exports.content import EVENT_TYPES
from app.extensions import db
from app.matrix.bot import BotClient
from app.models import ExportRoom, PackExport, User, utcnow
from app.packs.exported import SYNC_PENDING_FLAG
from app.sqlhelpers import insert_or_ignore
from app.transactions import transaction

log = logging.getLogger(__name__)
ROOM_NAME = "Hexpack — your sticker packs"
ROOM_TOPIC = ("The sticker packs you own on Hexpack, kept up to date by the Hexpack bot. To use a pack in every "
              "room, open this room's sticker/emoji settings in your client and switch on \"use globally\".")
CREATION_LEASE = timedelta(seconds=60)
WAIT_FOR_CREATOR = 30.0  # seconds a concurrent request waits for the room another one is creating
POLL = 0.25


def recorded_room(user_id: int) -> str | None:
    return db.session.scalar(select(ExportRoom.room_id).where(ExportRoom.user_id == user_id)
                             .execution_options(populate_existing=True))


def pack_room(client: BotClient, user: User) -> str:
    """The user's pack room, with the user joined or invited; created on the first export."""
    user_id, matrix_id = user.id, user.matrix_id
    deadline = time.monotonic() + WAIT_FOR_CREATOR
    while True:
        room_id = recorded_room(user_id)
        if room_id is not None and client.membership(room_id, client.whoami()) != "join":
            log.warning("the bot is no longer in %s's pack room %s: making a new one", matrix_id, room_id)
        elif room_id is not None:
            if client.membership(room_id, matrix_id) not in ("join", "invite"):
                client.invite(room_id, matrix_id)
            return room_id
        if _claim_creation(user_id, replacing=room_id):
            return _create(client, user_id, matrix_id, replacing=room_id)
        if time.monotonic() > deadline:
            raise BotUnavailable("Your Hexpack pack room is still being created; try again in a minute.")
        db.session.rollback()
        time.sleep(POLL)


def _claim_creation(user_id: int, *, replacing: str | None) -> bool:
    """Take the creation lease (compare-and-set); True for the one caller that got it."""
    now = utcnow()
    with transaction():
        insert_or_ignore(ExportRoom, {"user_id": user_id, "room_id": None, "created_at": now}, ["user_id"])
        room = ExportRoom.room_id.is_(None) if replacing is None else ExportRoom.room_id == replacing
        claimed = db.session.execute(update(ExportRoom).where(
            ExportRoom.user_id == user_id, room,
            or_(ExportRoom.creating_until.is_(None), ExportRoom.creating_until < now))
            .values(room_id=None, creating_until=now + CREATION_LEASE))
    return claimed.rowcount == 1


def _create(client: BotClient, user_id: int, matrix_id: str, *, replacing: str | None) -> str:
    try:
        room_id = client.create_pack_room(matrix_id, name=ROOM_NAME, topic=ROOM_TOPIC, locked_types=EVENT_TYPES)
    except (BotRefused, BotUnavailable):
        with transaction():  # let the next request try at once
            db.session.execute(update(ExportRoom).where(ExportRoom.user_id == user_id)
                               .values(room_id=replacing, creating_until=None))
        raise
    with transaction():
        db.session.execute(update(ExportRoom).where(ExportRoom.user_id == user_id)
                           .values(room_id=room_id, creating_until=None))
        if replacing is not None:  # the new room holds nothing yet: write every export again
            db.session.execute(update(PackExport).where(PackExport.user_id == user_id).values(
                parts=0, generation=PackExport.generation + 1, next_sync_at=utcnow()))
            db.session.info[SYNC_PENDING_FLAG] = True
    return room_id
