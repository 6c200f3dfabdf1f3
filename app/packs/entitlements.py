"""Who owns which pack. One row per (user, pack), enforced by the database; revoked, never deleted.

Rules:
- granting (a purchase, a free add, an operator grant) inserts the row, or restores a revoked one;
  an active row is left alone, so nothing is ever doubled, except that an operator grant turns an
  active row of another source into a grant (its order_id stays, as history);
- a refund or dispute releases only a purchase that its own order granted, never one that came
  from another order, a grant (even of a pack the user had bought) or a free add; if the user has
  another paid order for the pack, the entitlement moves to that order instead (see release);
- what a won dispute restores is decided in app/payments/orders.py.
None of these commit: the calling use case owns the transaction.
"""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from app.extensions import db
from app.models import Entitlement, Order, Pack, User, utcnow
from app.packs.exported import mark_export
from app.sqlhelpers import insert_new

log = logging.getLogger(__name__)

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
    inserted = insert_new(
        Entitlement, {"user_id": user_id, "pack_id": pack_id, "source": source, "order_id": order_id,
                      "granted_at": utcnow()}, ["user_id", "pack_id"])
    if inserted is not None:
        return inserted, True
    entitlement = find_entitlement(user_id=user_id, pack_id=pack_id)
    if entitlement.revoked_at is None:
        if source == "grant" and entitlement.source != "grant":
            # The operator's word stands on its own: a later refund or dispute of the purchase
            # no longer takes the pack away (release touches purchases only).
            entitlement.source = "grant"
            return entitlement, True
        return entitlement, False
    entitlement.revoked_at = None
    entitlement.revoke_reason = None
    mark_export(user_id=user_id, pack_id=pack_id)  # restored: write it again if it was exported
    entitlement.source = source
    entitlement.order_id = order_id
    entitlement.granted_at = utcnow()
    return entitlement, True


def revoke(*, user_id: int, pack_id: int, reason: str, order_id: int | None = None) -> bool:
    """Revoke the active entitlement (only the one `order_id` granted, when given); True if one was.

    With `order_id`, an entitlement that another paid order can carry moves to it (see release).
    """
    if order_id is not None:
        return release(user_id=user_id, pack_id=pack_id, order_id=order_id, reason=reason) == "revoked"
    result = db.session.execute(
        update(Entitlement).where(Entitlement.user_id == user_id, Entitlement.pack_id == pack_id,
                                  Entitlement.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoke_reason=reason))
    if result.rowcount == 1:
        mark_export(user_id=user_id, pack_id=pack_id)  # empty it in the user's Matrix room after commit
    return result.rowcount == 1


def release(*, user_id: int, pack_id: int, order_id: int, reason: str) -> str:
    """Order `order_id` no longer pays for the pack (refunded, disputed): 'revoked', 'moved' or 'none'.

    If the entitlement came from that order and the user has another order for the same pack that
    is still paid, the entitlement is carried by that order from now on ('moved'): the user paid,
    so keeps the pack. An order whose duplicate refund is still on its way counts as paid (the money
    is still here) but is chosen last; when its refund lands, it releases the pack in turn.
    """
    successor = db.session.scalar(
        select(Order.id).where(Order.user_id == user_id, Order.pack_id == pack_id, Order.status == "paid",
                               Order.id != order_id)
        .order_by(Order.refund_reason.is_not(None), Order.id).limit(1))
    held = update(Entitlement).where(Entitlement.user_id == user_id, Entitlement.pack_id == pack_id,
                                     Entitlement.revoked_at.is_(None), Entitlement.order_id == order_id,
                                     Entitlement.source == "purchase")
    if successor is not None:
        if db.session.execute(held.values(order_id=successor, source="purchase")).rowcount == 1:
            log.info("Entitlement of user %s to pack %s moved from order %s (%s) to paid order %s",
                     user_id, pack_id, order_id, reason, successor)
            return "moved"
        return "none"
    if db.session.execute(held.values(revoked_at=utcnow(), revoke_reason=reason)).rowcount == 1:
        mark_export(user_id=user_id, pack_id=pack_id)
        return "revoked"
    return "none"


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
