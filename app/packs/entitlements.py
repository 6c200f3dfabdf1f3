"""Who owns which pack. One row per (user, pack), enforced by the database; revoked, never deleted.

Rules:
- granting (a purchase, a free add, an operator grant) inserts the row, or restores a revoked one;
  an active row is left alone, so nothing is ever doubled;
- a refund or dispute revokes only the entitlement that its own order granted, never one that
  came from another order, a grant or a free add;
- a dispute won restores only an entitlement that the same order's dispute revoked.
None of these commit: the calling use case owns the transaction.
"""
from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.models import Entitlement, Pack, User, utcnow
from app.sqlhelpers import insert_or_ignore

SOURCES = ("free", "purchase", "grant", "gift")


def find_entitlement(*, user_id: int, pack_id: int) -> Entitlement | None:
    return db.session.scalar(
        select(Entitlement).where(Entitlement.user_id == user_id, Entitlement.pack_id == pack_id)
        .execution_options(populate_existing=True)
    )


def owns(*, user_id: int, pack_id: int) -> bool:
    entitlement = find_entitlement(user_id=user_id, pack_id=pack_id)
    return entitlement is not None and entitlement.revoked_at is None


def grant(*, user_id: int, pack_id: int, source: str, order_id: int | None = None) -> tuple[Entitlement, bool]:
    """Make the entitlement active; returns (entitlement, changed). Race-safe: ON CONFLICT DO NOTHING."""
    if source not in SOURCES:
        raise ValueError(f"unknown entitlement source {source!r}")
    inserted = insert_or_ignore(
        Entitlement, {"user_id": user_id, "pack_id": pack_id, "source": source, "order_id": order_id,
                      "granted_at": utcnow()}, ["user_id", "pack_id"])
    entitlement = find_entitlement(user_id=user_id, pack_id=pack_id)
    if inserted or entitlement.revoked_at is None:
        return entitlement, inserted
    entitlement.revoked_at = None
    entitlement.revoke_reason = None
    entitlement.source = source
    entitlement.order_id = order_id
    entitlement.granted_at = utcnow()
    return entitlement, True


def revoke(*, user_id: int, pack_id: int, reason: str, order_id: int | None = None) -> bool:
    """Revoke the active entitlement (only the one `order_id` granted, when given); True if one was."""
    statement = update(Entitlement).where(
        Entitlement.user_id == user_id, Entitlement.pack_id == pack_id, Entitlement.revoked_at.is_(None))
    if order_id is not None:
        statement = statement.where(Entitlement.order_id == order_id)
    result = db.session.execute(statement.values(revoked_at=utcnow(), revoke_reason=reason))
    return result.rowcount == 1


def restore_after_dispute(*, user_id: int, pack_id: int, order_id: int) -> bool:
    """A won dispute: re-grant what this order's dispute revoked (or grant it if never granted)."""
    entitlement = find_entitlement(user_id=user_id, pack_id=pack_id)
    if entitlement is None:
        grant(user_id=user_id, pack_id=pack_id, source="purchase", order_id=order_id)
        return True
    if entitlement.revoked_at is not None and entitlement.order_id == order_id \
            and entitlement.revoke_reason == "dispute":
        entitlement.revoked_at = None
        entitlement.revoke_reason = None
        return True
    return False


def list_entitlements(*, matrix_id: str | None = None, slug: str | None = None,
                      include_revoked: bool = True) -> list[Entitlement]:
    query = select(Entitlement).join(User, Entitlement.user_id == User.id).join(Pack, Entitlement.pack_id == Pack.id)
    if matrix_id:
        query = query.where(User.matrix_id == matrix_id)
    if slug:
        query = query.where(Pack.slug == slug)
    if not include_revoked:
        query = query.where(Entitlement.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(User.matrix_id, Pack.position, Pack.id)))
