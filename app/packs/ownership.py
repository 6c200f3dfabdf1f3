"""Operator use cases that change ownership outside Stripe: grants and revokes (one commit each)."""
from __future__ import annotations

import re

from sqlalchemy import select

from app import audit
from app.auth.tokens import get_or_create_user
from app.exceptions import InvalidInput, NotFound
from app.extensions import db
from app.models import Entitlement, Pack, User
from app.packs import entitlements
from app.transactions import transaction

MATRIX_ID_RE = re.compile(r"^@[^:\s]+:[^\s]+$")


def published_pack(slug: str) -> Pack:
    """The published pack with this slug; NotFound otherwise."""
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug, Pack.status == "published"))
    if pack is None:
        raise NotFound(f"No pack named {slug!r}.")
    return pack


def grant_pack(*, matrix_id: str, slug: str, actor: str, note: str | None = None) -> tuple[Entitlement, bool]:
    """Operator grant: any pack (published or not) to any Matrix ID; returns (entitlement, changed).

    A grant that changes something is written to the audit log as `actor`'s, in the same commit
    (with the operator's `note`, when given, saying why).
    """
    with transaction():
        user, pack = _user_and_pack(matrix_id, slug, create_user=True)
        entitlement, changed = entitlements.grant(user_id=user.id, pack_id=pack.id, source="grant")
        if changed:
            audit.record(actor, "entitlement.grant", f"user:{matrix_id}", pack=slug, source="grant",
                         **_noted(note))
    return entitlement, changed


def revoke_pack(*, matrix_id: str, slug: str, actor: str, note: str | None = None) -> bool:
    """Operator revoke, whatever the source; True when an active entitlement was revoked (and audited)."""
    user, pack = _user_and_pack(matrix_id, slug, create_user=False)
    with transaction():
        revoked = entitlements.revoke(user_id=user.id, pack_id=pack.id, reason="admin")
        if revoked:
            audit.record(actor, "entitlement.revoke", f"user:{matrix_id}", pack=slug, reason="admin",
                         **_noted(note))
    return revoked


def _noted(note: str | None) -> dict:
    return {"note": note} if note else {}


def _user_and_pack(matrix_id: str, slug: str, *, create_user: bool) -> tuple[User, Pack]:
    if not MATRIX_ID_RE.match(matrix_id):
        raise InvalidInput(f"{matrix_id!r} is not a Matrix user ID (like @alice:example.org).")
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug))
    if pack is None:
        raise NotFound(f"No pack named {slug!r}. See 'flask --app wsgi packs list'.")
    if create_user:
        return get_or_create_user(matrix_id), pack
    user = db.session.scalar(select(User).where(User.matrix_id == matrix_id))
    if user is None:
        raise NotFound(f"{matrix_id} has no packs here.")
    return user, pack
