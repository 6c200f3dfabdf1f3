"""Admin use cases for users: find a user by Matrix ID, list their entitlements, grant and revoke.

Grants and revokes are the operators' ones (app.packs.ownership), audited as the admin's; this
module adds the console's reading side and the stricter Matrix ID check of web sign-in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.exceptions import InvalidInput, NotFound
from app.extensions import db
from app.models import Entitlement, Order, Pack, User
from app.packs import entitlements, ownership
from app.signin.links import checked_matrix_id

USERS_PER_PAGE = 25
NOTE_MAX = 200  # an operator's reason, kept in the audit line


@dataclass(frozen=True)
class EntitlementState:
    """One (user, pack) entitlement as the console and the API show it; entitlement None: never had it."""

    matrix_id: str
    pack: Pack
    entitlement: Entitlement | None
    order_public_id: str | None

    @property
    def active(self) -> bool:
        return self.entitlement is not None and self.entitlement.revoked_at is None

    def as_json(self) -> dict:
        row = self.entitlement
        return {"user_id": self.matrix_id, "pack": self.pack.slug, "active": self.active,
                "source": row.source if row else None, "order_id": self.order_public_id,
                "granted_at": _iso(row.granted_at) if row else None,
                "revoked_at": _iso(row.revoked_at) if row else None,
                "revoke_reason": row.revoke_reason if row else None}


def search_users(query: str, *, page: int = 1) -> tuple[list[tuple[User, int]], bool]:
    """Users whose Matrix ID contains `query` (case-insensitive), prefix matches first, with their
    active entitlement count; and whether there is a next page."""
    text = query.strip().lower()
    active = (select(func.count(Entitlement.id)).where(Entitlement.user_id == User.id,
                                                       Entitlement.revoked_at.is_(None))
              .correlate(User).scalar_subquery())
    statement = select(User, active)
    if text:
        pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(func.lower(User.matrix_id).like(f"%{pattern}%", escape="\\")).order_by(
            func.lower(User.matrix_id).like(f"{pattern}%", escape="\\").desc())
    statement = statement.order_by(User.matrix_id).offset((max(page, 1) - 1) * USERS_PER_PAGE)
    rows = list(db.session.execute(statement.limit(USERS_PER_PAGE + 1)))
    return [(user, count) for user, count in rows[:USERS_PER_PAGE]], len(rows) > USERS_PER_PAGE


def find_user(matrix_id: str) -> User:
    user = db.session.scalar(select(User).where(User.matrix_id == matrix_id))
    if user is None:
        raise NotFound(f"Nobody with the Matrix ID {matrix_id} has used Hexpack yet.")
    return user


def user_entitlements(user: User) -> list[EntitlementState]:
    """Every entitlement the user ever had (active first, then revoked), with the paying order."""
    rows = db.session.execute(
        select(Entitlement, Order.public_id).join(Pack, Entitlement.pack_id == Pack.id)
        .outerjoin(Order, Entitlement.order_id == Order.id).where(Entitlement.user_id == user.id)
        .order_by(Entitlement.revoked_at.is_not(None), Pack.position, Pack.id))
    return [EntitlementState(user.matrix_id, row.pack, row, public_id) for row, public_id in rows]


def all_packs() -> list[Pack]:
    """Every pack an operator may grant (any status), in catalogue order."""
    return list(db.session.scalars(select(Pack).order_by(Pack.position, Pack.id)))


def grant(*, matrix_id, slug, actor: str, note=None) -> tuple[EntitlementState, bool]:
    """Grant `slug` to `matrix_id` as `actor` (audited); the new state and whether it changed."""
    matrix_id, slug, note = _checked(matrix_id, slug, note)
    _entitlement, changed = ownership.grant_pack(matrix_id=matrix_id, slug=slug, actor=actor, note=note)
    return state_of(matrix_id, slug), changed


def revoke(*, matrix_id, slug, actor: str, note=None) -> tuple[EntitlementState, bool]:
    """Revoke `slug` from `matrix_id` as `actor` (audited); the new state and whether it changed.
    A user we have never seen simply has nothing to revoke."""
    matrix_id, slug, note = _checked(matrix_id, slug, note)
    if db.session.scalar(select(User.id).where(User.matrix_id == matrix_id)) is None:
        return state_of(matrix_id, slug), False
    revoked = ownership.revoke_pack(matrix_id=matrix_id, slug=slug, actor=actor, note=note)
    return state_of(matrix_id, slug), revoked


def state_of(matrix_id: str, slug: str) -> EntitlementState:
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug))
    if pack is None:
        raise NotFound(f"No pack named {slug!r}.")
    user = db.session.scalar(select(User).where(User.matrix_id == matrix_id))
    row = entitlements.find_entitlement(user_id=user.id, pack_id=pack.id) if user else None
    order_id = db.session.scalar(select(Order.public_id).where(Order.id == row.order_id)) if row and row.order_id else None
    return EntitlementState(matrix_id, pack, row, order_id)


def _checked(matrix_id, slug, note) -> tuple[str, str, str | None]:
    matrix_id = checked_matrix_id(matrix_id.strip() if isinstance(matrix_id, str) else matrix_id)
    if not isinstance(slug, str) or not slug.strip():
        raise InvalidInput('Name the pack by its slug: "pack": "<slug>".')
    if note is not None and not isinstance(note, str):
        raise InvalidInput("The reason must be text.")
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise InvalidInput(f"Keep the reason under {NOTE_MAX} characters.")
    return matrix_id, slug.strip(), note


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
