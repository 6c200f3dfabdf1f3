"""Our own bearer tokens (IM tokens and widget sessions): random, stored hashed, revocable."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.exceptions import Unauthorized
from app.extensions import db
from app.models import ApiToken, User, utcnow

KINDS = ("im", "widget")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def get_or_create_user(matrix_id: str) -> User:
    """The user with this (already verified) Matrix ID; created on first sight, race-safe."""
    user = db.session.scalar(select(User).where(User.matrix_id == matrix_id))
    if user is not None:
        return user
    try:
        with db.session.begin_nested():
            user = User(matrix_id=matrix_id)
            db.session.add(user)
    except IntegrityError:
        user = db.session.scalar(select(User).where(User.matrix_id == matrix_id))
    return user


def issue_token(*, user: User, kind: str, ttl: timedelta | None = None) -> str:
    """Create a token for `user` and commit; only its SHA-256 is stored."""
    if kind not in KINDS:
        raise ValueError(f"unknown token kind {kind!r}")
    raw = secrets.token_urlsafe(32)
    expires = utcnow() + ttl if ttl else None
    db.session.add(ApiToken(user=user, kind=kind, token_hash=hash_token(raw), expires_at=expires))
    db.session.commit()
    return raw


def user_for_token(raw: str | None) -> User:
    """The user a live token belongs to; raises Unauthorized (401 M_UNKNOWN_TOKEN) otherwise."""
    if not raw:
        raise Unauthorized("Missing access token.", errcode="M_MISSING_TOKEN")
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    now = utcnow()
    if token is None or token.revoked_at is not None or _expired(token, now):
        raise Unauthorized("Unknown or revoked access token.")
    if token.last_used_at is None or now - _aware(token.last_used_at) > timedelta(minutes=5):
        token.last_used_at = now  # coarse, so reads do not write on every request
        db.session.commit()
    return token.user


def revoke_token(raw: str) -> None:
    db.session.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(raw),
                                              ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    db.session.commit()


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; everything we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _expired(token: ApiToken, now: datetime) -> bool:
    return token.expires_at is not None and _aware(token.expires_at) <= now
