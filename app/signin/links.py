"""One-time sign-in links: a signed, expiring token that names a Matrix ID and a nonce.

The signature (itsdangerous, keyed by SECRET_KEY) proves we issued the link and when; the nonce's
hash in signin_links makes it single use. Nothing here commits: the use cases own the transaction.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update

from app.exceptions import InvalidInput
from app.extensions import db
from app.models import SigninLink, utcnow

SALT = "hexpack.signin-link"
# The Matrix spec's user ID grammar: localpart of [a-z0-9._=/+-] (historical IDs allow more
# printable ASCII), then a server name (DNS name, IPv4 or [IPv6]) with an optional port.
MATRIX_USER_ID = re.compile(r"@[!-9;-~]+:(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class LinkRefused(Exception):
    """The link cannot sign anyone in; `reason` is "expired", "used" or "invalid"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def checked_matrix_id(raw) -> str:
    """The Matrix ID, or InvalidInput for anything that is not exactly @localpart:server."""
    if not isinstance(raw, str) or len(raw) > 255 or not MATRIX_USER_ID.fullmatch(raw):
        raise InvalidInput("Not a Matrix ID: expected @name:server, e.g. @alice:example.org.")
    return raw


def link_lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["SIGNIN_LINK_SECONDS"])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue_link(matrix_id: str) -> str:
    """Record a new link for `matrix_id` in the session's transaction; its token."""
    nonce = secrets.token_urlsafe(24)
    db.session.add(SigninLink(nonce_hash=_digest(nonce), matrix_id=matrix_id,
                              expires_at=utcnow() + link_lifetime()))
    return _serializer().dumps({"u": matrix_id, "n": nonce})


def read_link(token: str) -> tuple[str, str]:
    """(Matrix ID, nonce hash) of a token we signed that has not expired; LinkRefused otherwise."""
    try:
        payload = _serializer().loads(token, max_age=int(link_lifetime().total_seconds()))
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except BadSignature:
        raise LinkRefused("invalid") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise LinkRefused("invalid")
    return checked_matrix_id(payload.get("u")), _digest(payload["n"])


def peek_link(token: str) -> str:
    """The Matrix ID a still usable link signs in, without using it up (GET, link previews)."""
    matrix_id, nonce_hash = read_link(token)
    link = db.session.scalar(db.select(SigninLink).where(SigninLink.nonce_hash == nonce_hash))
    if link is None or link.matrix_id != matrix_id:
        raise LinkRefused("invalid")
    if link.used_at is not None:
        raise LinkRefused("used")
    return matrix_id


def consume_link(token: str) -> str:
    """Use the link up (a compare-and-set: of two racing POSTs exactly one wins); its Matrix ID."""
    matrix_id = peek_link(token)
    _, nonce_hash = read_link(token)
    claimed = db.session.execute(update(SigninLink).where(SigninLink.nonce_hash == nonce_hash,
                                                          SigninLink.used_at.is_(None))
                                 .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise LinkRefused("used")
    return matrix_id
