"""Which room is the bot's direct chat with a user: one per user, reused, replaced if gone.
Nothing here commits: the caller's transaction does."""
from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.models import BotRoom


def known_room(matrix_id: str) -> str | None:
    return db.session.scalar(select(BotRoom.room_id).where(BotRoom.matrix_id == matrix_id))


def record_room(matrix_id: str, old_room_id: str | None, new_room_id: str) -> bool:
    """Record `new_room_id` as the user's room if the recorded one is still `old_room_id`
    (None: none yet). False when another worker replaced it first; a first room recorded twice
    fails at commit with IntegrityError (matrix_id is unique)."""
    if old_room_id is None:
        db.session.add(BotRoom(matrix_id=matrix_id, room_id=new_room_id))
        return True
    replaced = db.session.execute(update(BotRoom).where(BotRoom.matrix_id == matrix_id,
                                                        BotRoom.room_id == old_room_id)
                                  .values(room_id=new_room_id))
    return replaced.rowcount == 1
