"""Purchases, the entitlements they (and grants) give, and the Stripe events processed. Money is integer minor units; times are UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class Order(db.Model):
    """A purchase attempt through Stripe Checkout."""

    __tablename__ = "orders"
    # The admin overview and order list filter on status over a time window.
    __table_args__ = (Index("ix_orders_status_created_at", "status", "created_at"),)
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
    # halfway is finished by a later call; "duplicate_failed" when Stripe refused it for good; "admin"
    # once an operator refunded it (their reason is in the audit log).
    refund_reason: Mapped[str | None] = mapped_column(String(32), index=True)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    checkout_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(255))
    receipt_url: Mapped[str | None] = mapped_column(Text)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    # A creator's sale (a destination charge): their connected account, set when the order is made,
    # and the transfer and platform fee Stripe made when it was paid.
    destination: Mapped[str | None] = mapped_column(String(255))
    transfer_id: Mapped[str | None] = mapped_column(String(255))
    application_fee_id: Mapped[str | None] = mapped_column(String(255))
    application_fee_amount: Mapped[int | None] = mapped_column(Integer)
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
    order: Mapped[Order | None] = relationship()


class StripeEvent(db.Model):
    """A Stripe event we processed; the primary key makes processing happen once."""

    __tablename__ = "stripe_events"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
