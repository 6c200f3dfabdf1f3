"""The creator studio's bookkeeping: what each creator uploaded and submitted (daily quotas), and
reports about packs. Times are UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class CreatorActivity(db.Model):
    """One upload batch (kind "upload", with its bytes) or one submission (kind "submit") by a creator."""

    __tablename__ = "creator_activity"
    __table_args__ = (Index("ix_creator_activity_user_kind_at", "user_id", "kind", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PackReport(db.Model):
    """A signed-in user's report about a pack; open until an admin dismisses it or acts on the pack."""

    __tablename__ = "pack_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(16))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(16))  # dismissed | hidden | removed
    resolved_by: Mapped[str | None] = mapped_column(String(255))
