"""Which room is the bot's direct chat with a user: one per user, reused, replaced if gone."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import BotRoom
from app.transactions import transaction


def known_room(matrix_id: str) -> str | None:
    return db.session.scalar(select(BotRoom.room_id).where(BotRoom.matrix_id == matrix_id))


def replace_room(matrix_id: str, old_room_id: str | None, new_room_id: str) -> str:
    """Record `new_room_id` as the user's room if it still was `old_room_id` (None: no room yet).

    Returns the room that is recorded now: another worker may have recorded its own new room
    first, and then that one wins (the caller abandons its own). Commits.
    """
    if old_room_id is None:
        try:
            with transaction():
                db.session.add(BotRoom(matrix_id=matrix_id, room_id=new_room_id))
            return new_room_id
        except IntegrityError:
            return known_room(matrix_id)
    with transaction():
        replaced = db.session.execute(update(BotRoom).where(BotRoom.matrix_id == matrix_id,
                                                            BotRoom.room_id == old_room_id)
                                      .values(room_id=new_room_id))
    return new_room_id if replaced.rowcount == 1 else known_room(matrix_id)
