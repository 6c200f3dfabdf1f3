"""Our own bearer tokens (IM tokens and widget sessions): random, stored hashed, revocable.

A token dies when revoked, at its expires_at (issue time + the shorter of its own ttl and
TOKEN_MAX_DAYS), once it is TOKEN_MAX_DAYS old whatever its expires_at says (tokens issued
before the setting existed have none), or after TOKEN_IDLE_DAYS without use.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.caching import app_cache
from app.exceptions import Unauthorized
from app.extensions import db
from app.models import ApiToken, User, utcnow
from app.transactions import transaction

KINDS = ("im", "widget")
RECHECK_SECONDS = 1.0  # how long a worker trusts a token it found live (user_id_for_token)
_MAX_KNOWN = 10_000
# last_used_at is written at most once per interval per token: reads stay reads, and idle
# expiry (counted in days) loses at most this much precision.
LAST_USED_RESOLUTION = timedelta(hours=1)


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


def _max_age() -> timedelta:
    return timedelta(days=current_app.config["TOKEN_MAX_DAYS"])


def _idle_limit() -> timedelta:
    return timedelta(days=current_app.config["TOKEN_IDLE_DAYS"])


def issue_token(*, user: User, kind: str, ttl: timedelta | None = None) -> str:
    """Create a token for `user` and commit; only its SHA-256 is stored."""
    if kind not in KINDS:
        raise ValueError(f"unknown token kind {kind!r}")
    raw, now = secrets.token_urlsafe(32), utcnow()
    lifetime = min(ttl, _max_age()) if ttl else _max_age()
    with transaction():
        db.session.add(ApiToken(user=user, kind=kind, token_hash=hash_token(raw), created_at=now,
                                last_used_at=now, expires_at=now + lifetime))
    return raw


# Built once, with the user in the same query.
_TOKEN_BY_HASH = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
                  .options(joinedload(ApiToken.user)))
# The columns a liveness check reads: a caller may join its own data to them (check_token_row).
TOKEN_COLUMNS = (ApiToken.id, ApiToken.user_id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.created_at,
                 ApiToken.last_used_at)
# Columns only, no ORM objects: the signed-in picker asks this on every open.
_TOKEN_COLUMNS = select(*TOKEN_COLUMNS).where(ApiToken.token_hash == bindparam("token_hash"))


def user_for_token(raw: str | None) -> User:
    """The user a live token belongs to; raises Unauthorized (401 M_UNKNOWN_TOKEN) otherwise."""
    if not raw:
        raise Unauthorized("Missing access token.", errcode="M_MISSING_TOKEN")
    token = db.session.scalar(_TOKEN_BY_HASH, {"token_hash": hash_token(raw)})
    _check_live(token)
    return token.user


def user_id_for_token(raw: str | None, *, connection=None) -> int | None:  # None only with a connection
    """Like user_for_token, but only the user's id, read without loading ORM objects.

    The signed-in picker asks on every open, so each worker reuses a live token's answer for up
    to RECHECK_SECONDS. A commit in this process (a revocation, signing out everywhere) forgets
    them at once; one made by another worker or instance takes effect there within that time.
    On a `connection` of the caller's, nothing is written: None when the token's use is due to
    be noted (call again without one)."""
    if not raw:
        raise Unauthorized("Missing access token.", errcode="M_MISSING_TOKEN")
    token_hash, now = hash_token(raw), time.monotonic()
    known = app_cache("auth.live_tokens", dict, forget_on_commit=True)
    seen = known.get(token_hash)
    if seen is not None and now - seen[1] < RECHECK_SECONDS:
        return seen[0]
    token = (connection or db.session.connection()).execute(_TOKEN_COLUMNS, {"token_hash": token_hash}).first()
    _check_live(token, may_write=connection is None)
    if connection is not None and _use_to_note(token):
        return None
    if len(known) >= _MAX_KNOWN:
        known.clear()
    known[token_hash] = (token.user_id, now)
    return token.user_id


def check_token_row(row) -> None:
    """For a query of its own that selects TOKEN_COLUMNS by token_hash: Unauthorized unless its row
    (None: no row) is a live token; notes its use."""
    _check_live(row)


def _check_live(token, *, may_write: bool = True) -> None:
    """Unauthorized unless the token (an ApiToken or a row of its columns) is live; notes its use."""
    now = utcnow()
    if token is None or token.revoked_at is not None or _expired(token, now):
        raise Unauthorized("Unknown, revoked or expired access token.")
    if may_write and _use_to_note(token):
        with transaction():
            db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


def _use_to_note(token) -> bool:
    return token.last_used_at is None or utcnow() - _aware(token.last_used_at) >= LAST_USED_RESOLUTION


def revoke_token(raw: str) -> None:
    with transaction():
        db.session.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(raw),
                                                  ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))


def revoke_all_tokens(user: User) -> int:
    """Every live token of the user (IM and widget), in the caller's transaction; returns how many.
    Signing out everywhere (app.signin.services.sign_out_everywhere) also ends the web sessions."""
    result = db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    return result.rowcount


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; everything we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _expired(token: ApiToken, now: datetime) -> bool:
    if token.expires_at is not None and _aware(token.expires_at) <= now:
        return True
    created = _aware(token.created_at)
    last_used = _aware(token.last_used_at) if token.last_used_at else created
    return now - created >= _max_age() or now - last_used >= _idle_limit()
