"""Sticker packs, their stickers, and each user's picker choices. Money is integer minor units; times are UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class Pack(db.Model):
    """A sticker pack: free when price_amount is 0."""

    __tablename__ = "packs"
    # AUTOINCREMENT: SQLite would otherwise hand a deleted pack's id to the next one. The indexes
    # serve the store's pages in catalogue order and every picker's published free packs.
    __table_args__ = (Index("ix_packs_status_position", "status", "position", "id"),
                      Index("ix_packs_status_price_amount", "status", "price_amount"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    license: Mapped[str] = mapped_column(String(200), default="")
    attribution: Mapped[str] = mapped_column(Text, default="")
    price_amount: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[str] = mapped_column(String(16), default="published")
    position: Mapped[int] = mapped_column(Integer, default=0)
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The catalogue generation of the last change to the pack or its stickers, set by a flush hook
    # (app/packs/generation.py): the picker's cache key, never shared with any other pack.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # sha256 over the imported manifest and files (app/packs/digest.py): an unchanged re-import
    # is skipped before any image is decoded.
    source_digest: Mapped[str | None] = mapped_column(String(64))
    # The creator studio (app/studio): when the pack last went to review, and the reviewer's note.
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str] = mapped_column(Text, default="")
    # A published studio pack's next version, edited and reviewed while buyers keep the live pack:
    # its own row (status draft/in_review/rejected) pointing at the live one, merged into it on approval.
    version_of_id: Mapped[int | None] = mapped_column(ForeignKey("packs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    version_of: Mapped[Pack | None] = relationship(remote_side="Pack.id")
    stickers: Mapped[list[Sticker]] = relationship(
        back_populates="pack", order_by="Sticker.position", cascade="all, delete-orphan"
    )

    @property
    def is_free(self) -> bool:
        return self.price_amount == 0


class Sticker(db.Model):
    """One sticker: a normalised image, its thumbnail and, once published, its mxc:// URI."""

    __tablename__ = "stickers"
    __table_args__ = (UniqueConstraint("pack_id", "key"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(String(200))
    emoji: Mapped[str] = mapped_column(String(64), default="")
    tags: Mapped[str] = mapped_column(String(400), default="")
    image_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    mimetype: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    thumb_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    thumb_mimetype: Mapped[str] = mapped_column(String(64))
    thumb_width: Mapped[int] = mapped_column(Integer)
    thumb_height: Mapped[int] = mapped_column(Integer)
    thumb_size: Mapped[int] = mapped_column(Integer)
    # A still first frame of an animated thumbnail (same size, WebP); None for a static sticker.
    poster_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    poster_mimetype: Mapped[str | None] = mapped_column(String(64))
    mxc_uri: Mapped[str | None] = mapped_column(String(255))
    # The homeserver the mxc:// URI was uploaded to, so a change of server re-publishes.
    mxc_homeserver: Mapped[str | None] = mapped_column(String(255))
    # Perceptual hash (16 hex digits) of the first frame: reviewers see near-duplicates in other packs.
    phash: Mapped[str | None] = mapped_column(String(16), index=True)
    pack: Mapped[Pack] = relationship(back_populates="stickers")


class PickerPack(db.Model):
    """A user's choice of which packs their picker shows, and in what order."""

    __tablename__ = "picker_packs"
    __table_args__ = (UniqueConstraint("user_id", "pack_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)


class Favourite(db.Model):
    """A starred sticker, shown in the user's first row."""

    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("user_id", "sticker_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sticker_id: Mapped[int] = mapped_column(ForeignKey("stickers.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CatalogueState(db.Model):
    """One row: the catalogue generation, moved in the same transaction as any change to a pack or
    a sticker. Each process compares it with the one it last saw to drop its catalogue caches."""

    __tablename__ = "catalogue_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
