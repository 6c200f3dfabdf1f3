"""The append-only audit log. Money is integer minor units; times are UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


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
