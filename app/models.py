"""Database models. Money is integer minor units; times are UTC."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    JSON,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Blob(db.Model):
    """A stored file, addressed by the SHA-256 of its bytes (the source of truth for media)."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mimetype: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(UserMixin, db.Model):
    """A Matrix user, known only by a verified Matrix ID (UserMixin: the web session's user)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    matrix_id: Mapped[str] = mapped_column(String(255), unique=True)
    picker_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(db.Model):
    """A bearer token we issued (IM token or widget session); only its hash is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()


class TermsAcceptance(db.Model):
    """A user's acceptance of one version of one policy."""

    __tablename__ = "terms_acceptances"
    __table_args__ = (UniqueConstraint("user_id", "policy", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    policy: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Pack(db.Model):
    """A sticker pack: free when price_amount is 0."""

    __tablename__ = "packs"
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
    # Bumped on every change of the pack or its stickers: the picker's cache key.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # sha256 over the imported manifest and files (app/packs/digest.py): an unchanged re-import
    # is skipped before any image is decoded.
    source_digest: Mapped[str | None] = mapped_column(String(64))
    stickers: Mapped[list[Sticker]] = relationship(
        back_populates="pack", order_by="Sticker.position", cascade="all, delete-orphan"
    )

    @property
    def is_free(self) -> bool:
        return self.price_amount == 0


class Sticker(db.Model):
    """One sticker: a normalised image, its thumbnail and, once published, its mxc:// URI."""

    __tablename__ = "stickers"
    __table_args__ = (UniqueConstraint("pack_id", "key"),)
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


class Order(db.Model):
    """A purchase attempt through Stripe Checkout."""

    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"))
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    # An app.payments.states.OrderStatus value ("pending" is OrderStatus.PENDING); the allowed moves
    # are the table there. Plain strings here so that the models import nothing above them.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Why we refund this order ourselves (app.payments.states.RefundReason): "duplicate" (the user
    # already had the pack when it was paid), written before Stripe is asked, so a refund that failed
    # halfway is finished by a later call; "duplicate_failed" when Stripe refused it for good.
    refund_reason: Mapped[str | None] = mapped_column(String(32), index=True)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    checkout_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(255))
    receipt_url: Mapped[str | None] = mapped_column(Text)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user: Mapped[User] = relationship()
    pack: Mapped[Pack] = relationship()


class Entitlement(db.Model):
    """A user's right to a pack; unique per user and pack, revoked rather than deleted."""

    __tablename__ = "entitlements"
    __table_args__ = (UniqueConstraint("user_id", "pack_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"))
    source: Mapped[str] = mapped_column(String(16))  # free | purchase | grant | gift
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(String(32))
    pack: Mapped[Pack] = relationship()
    user: Mapped[User] = relationship()


class StripeEvent(db.Model):
    """A Stripe event we processed; the primary key makes processing happen once."""

    __tablename__ = "stripe_events"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BotRoom(db.Model):
    """The bot's direct-message room with one Matrix user, created once and reused."""

    __tablename__ = "bot_rooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    matrix_id: Mapped[str] = mapped_column(String(255), unique=True)
    room_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BotMessage(db.Model):
    """A bot message in the outbox: written with the change that caused it, sent after the commit.

    next_attempt_at is NULL once the message is sent (sent_at) or refused for good (failed_at);
    claimed_until is a delivery lease, so two workers never send the same row at once; txn_id is the
    Matrix transaction id, so a retried send of the same row is deduplicated by the homeserver.
    """

    __tablename__ = "bot_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    txn_id: Mapped[str] = mapped_column(String(64), unique=True)
    recipient: Mapped[str] = mapped_column(String(255), index=True)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    room_id: Mapped[str | None] = mapped_column(String(255))
    event_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(db.Model):
    """One line of the append-only audit log, written in the transaction of the change it records.

    actor: a Matrix ID, `stripe`, `cli:<os user>` or `system`; action: e.g. `entitlement.grant`;
    target: e.g. `pack:<slug>`, `order:<public id>`, `user:<matrix id>`. app/audit.py refuses any
    update or delete of a row.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_actor_at", "actor", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_target_at", "target", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class SigninLink(db.Model):
    """A one-time web sign-in link sent by the bot; only the hash of its nonce is kept."""

    __tablename__ = "signin_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    matrix_id: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
