"""Creators' payouts through Stripe Connect: their connected account, and what moved money back from
(or again to) a creator after a sale. Money is integer minor units; times are UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class ConnectedAccount(db.Model):
    """A creator's Stripe connected account (Accounts v2), as last read from Stripe.

    `status` is app.payments.payouts.PayoutStatus (pending | active | restricted; "none" is the
    absence of a row); `transfers_status` is Stripe's stripe_transfers capability status as read.
    """

    __tablename__ = "connected_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    transfers_status: Mapped[str | None] = mapped_column(String(16))
    requirements: Mapped[list] = mapped_column(JSON, default=list)  # what Stripe still needs, as descriptions
    closed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user: Mapped[User] = relationship()


class CreatorAdjustment(db.Model):
    """Money moved between the platform and a creator after a sale: a refund's transfer reversal and
    fee refund, a dispute's reversal, a won dispute's transfer back. Unique per (kind, Stripe source),
    which is what keeps duplicate or reordered events from moving money twice."""

    __tablename__ = "creator_adjustments"
    __table_args__ = (UniqueConstraint("kind", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # refund_creator | refund_goodwill | dispute | dispute_won
    source_id: Mapped[str] = mapped_column(String(255))  # re_… (refund) or dp_… (dispute)
    amount: Mapped[int] = mapped_column(Integer)  # the buyer's side: refunded or disputed amount
    creator_amount: Mapped[int] = mapped_column(Integer, default=0)  # taken back from the creator (< 0: paid back)
    fee_refunded: Mapped[int] = mapped_column(Integer, default=0)  # the platform fee given back
    stripe_object_id: Mapped[str | None] = mapped_column(String(255))  # trr_… or tr_… (the money movement)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    order: Mapped[Order] = relationship()
