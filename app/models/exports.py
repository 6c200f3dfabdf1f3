"""Packs exported to MSC2545 clients: the bot's one pack room per user, and which packs it holds. Times are UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class ExportRoom(db.Model):
    """The bot's private room holding one user's exported packs as room state.

    room_id is NULL while the room is being created: creating_until is the lease of the one
    request creating it, so concurrent exports never create two rooms.
    """

    __tablename__ = "export_rooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    room_id: Mapped[str | None] = mapped_column(String(255))
    creating_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PackExport(db.Model):
    """One pack in a user's export room, kept in step with their entitlement and the pack.

    Each change that may alter the room's state bumps `generation` (in the transaction of the change);
    a sync writes the state that is true then and records the generation it read. The row needs a
    sync while generation > synced_generation; claimed_until is the lease of the run writing it.
    `parts` is how many numbered state keys (slug, slug.2, …) hold images now.
    """

    __tablename__ = "pack_exports"
    __table_args__ = (UniqueConstraint("user_id", "pack_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"), index=True)
    parts: Mapped[int] = mapped_column(Integer, default=0)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    synced_generation: Mapped[int] = mapped_column(Integer, default=0)
    next_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
