"""Integration manager rules: OpenID sign-in, terms acceptance, the legacy Scalar calls."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.auth.tokens import get_or_create_user, issue_token
from app.exceptions import InvalidInput, TermsNotSigned
from app.extensions import db
from app.integrations import terms
from app.matrix import openid
from app.models import ApiToken, TermsAcceptance, User, utcnow
from app.transactions import transaction

WIDGET_SESSION_TTL = timedelta(hours=24)
STICKERPICKER_TYPES = ("m.stickerpicker",)


def sign_in(*, openid_token: Any, kind: str) -> tuple[User, str]:
    """Verify an OpenID token object with its homeserver; return (user, our new raw token).

    Nothing is written unless the homeserver vouches for the user. Raises the domain errors
    of app.matrix.openid.verify.
    """
    user_id = openid.verify(openid_token, server_urls=current_app.config["MATRIX_SERVER_URLS"])
    user = get_or_create_user(user_id)
    if kind == "widget":
        _forget_expired_tokens(user)
        return user, issue_token(user=user, kind="widget", ttl=WIDGET_SESSION_TTL)
    return user, issue_token(user=user, kind="im")


def _forget_expired_tokens(user: User) -> None:
    # Widget sessions are short-lived and minted on every picker load: keep the table small.
    cutoff = utcnow() - timedelta(days=1)
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < cutoff))


def has_signed_terms(*, user: User) -> bool:
    required = terms.required_versions()
    if not required:
        return True
    rows = db.session.execute(
        select(TermsAcceptance.policy, TermsAcceptance.version).where(TermsAcceptance.user_id == user.id)
    )
    return required <= {tuple(row) for row in rows}


def check_terms(*, user: User) -> None:
    """Raise TermsNotSigned (403 M_TERMS_NOT_SIGNED) until the user accepted every current policy."""
    if not has_signed_terms(user=user):
        raise TermsNotSigned("You have not accepted the current terms of service of this integration manager.")


def accept_terms(*, user: User, urls: Any) -> None:
    """Record acceptance of the policies whose document URLs are listed (MSC2140 user_accepts)."""
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls) or len(urls) > 100:
        raise InvalidInput("user_accepts must be a list of document URLs.", errcode="M_BAD_JSON")
    with transaction():
        for policy, version in terms.accepted_versions(urls):
            _record_acceptance(user, policy, version)


def _record_acceptance(user: User, policy: str, version: str) -> None:
    exists = db.session.scalar(select(TermsAcceptance.id).where(
        TermsAcceptance.user_id == user.id, TermsAcceptance.policy == policy,
        TermsAcceptance.version == version))
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(TermsAcceptance(user_id=user.id, policy=policy, version=version))
        except IntegrityError:
            pass  # accepted concurrently: the same fact


def set_assets_state(*, user: User, widget_type: str, state: str) -> None:
    """Element's "remove sticker picker": hide the picker's assets; purchases are never touched."""
    if state not in ("disable", "enable"):
        raise InvalidInput("state must be 'disable' or 'enable'.")
    if widget_type in STICKERPICKER_TYPES:
        with transaction():
            user.picker_hidden = state == "disable"


def title_for(url: str) -> str | None:
    """Titles of our own widget pages; other pages are not fetched (that would be an open proxy)."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if url.startswith(base + "/api/widgets/stickerpicker"):
        return "Hexpack stickers"
    if url == base or url.startswith(base + "/"):
        return "Hexpack"
    return None
