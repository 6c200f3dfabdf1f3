"""The audit log: append-only lines written in the same transaction as the change they record.

`record()` only adds a row to the current session; the caller's `transaction()` commits it with
the change, or rolls both back. Rows are never changed or deleted: a `before_flush` guard refuses
it, so no code path can rewrite the history, by mistake or on purpose.
"""
from __future__ import annotations

import getpass
from typing import Any

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db
from app.models import AuditEvent

STRIPE = "stripe"
SYSTEM = "system"


class AuditLogIsAppendOnly(RuntimeError):
    """A bug: some code tried to change or delete an audit line."""


def cli_actor() -> str:
    """The actor for a command run from a shell: `cli:<os user>`."""
    return f"cli:{getpass.getuser()}"


def record(actor: str, action: str, target: str, **details: Any) -> AuditEvent:
    """Add one audit line to the current session (no commit: the caller's transaction owns it)."""
    line = AuditEvent(actor=actor, action=action, target=target, details=details)
    db.session.add(line)
    return line


def has_line(*, action: str, target: str) -> bool:
    """Whether the log (including this transaction's lines) has a line with this action and target."""
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == action,
                                                         AuditEvent.target == target).limit(1)) is not None


def recent(*, actor: str | None = None, action: str | None = None, target: str | None = None,
           limit: int = 50, before: int | None = None) -> list[AuditEvent]:
    """The newest lines first, optionally only one actor, action or target; `before` (a line's id,
    the cursor of the previous page) starts after that line in this order."""
    query = select(AuditEvent)
    for column, value in ((AuditEvent.actor, actor), (AuditEvent.action, action), (AuditEvent.target, target)):
        if value is not None:
            query = query.where(column == value)
    if before is not None:
        cursor = db.session.get(AuditEvent, before)
        if cursor is None:
            return []
        query = query.where(or_(AuditEvent.at < cursor.at,
                                and_(AuditEvent.at == cursor.at, AuditEvent.id < cursor.id)))
    return list(db.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))


def _refuse_rewriting_history(session: Session, _context, _instances) -> None:
    for line in session.deleted:
        if isinstance(line, AuditEvent):
            raise AuditLogIsAppendOnly("The audit log is append-only: an audit event cannot be deleted.")
    for line in session.dirty:
        if isinstance(line, AuditEvent) and session.is_modified(line):
            raise AuditLogIsAppendOnly("The audit log is append-only: an audit event cannot be changed.")


def _refuse_bulk_rewrites(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is AuditEvent for mapper in state.all_mappers):
        raise AuditLogIsAppendOnly("The audit log is append-only: no UPDATE or DELETE of audit_events.")


def init_app(_app) -> None:
    """Install the append-only guards on every session (once per process)."""
    for name, listener in (("before_flush", _refuse_rewriting_history), ("do_orm_execute", _refuse_bulk_rewrites)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
