"""Reading our bearer token from a request, and the decorator that requires one."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import g, request
from flask_login import current_user

from app.auth.tokens import user_for_token, user_id_for_token
from app.exceptions import Unauthorized
from app.models import User


def token_from_request() -> str | None:
    """Authorization: Bearer, then ?access_token=, then Element's legacy ?scalar_token=."""
    return token_from(request.headers.get("Authorization", ""), request.args)


def token_from(authorization: str, args) -> str | None:
    """token_from_request's rule on an Authorization header and parsed query parameters
    (app.widget.fast_path reads them before Flask)."""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return args.get("access_token") or args.get("scalar_token") or None


def optional_user():
    """The user of the request's token, or None when it carries none.

    A token that is sent but unknown, revoked or expired is still a 401: the caller then
    signs in again instead of being shown an anonymous answer.
    """
    raw = token_from_request()
    return user_for_token(raw) if raw else None


def request_user() -> User | None:
    """The user of the request's token, or None, for pages that also serve anonymous visitors.

    A missing, unknown or revoked token is not an error here: the picker then renders the
    anonymous page and its script signs in through the widget API's get_openid.
    """
    raw = token_from_request()
    if not raw:
        return None
    try:
        return user_for_token(raw)
    except Unauthorized:
        return None


def request_user_id() -> int | None:
    """request_user's id, read without loading the user (the signed-in picker's every open)."""
    raw = token_from_request()
    if not raw:
        return None
    try:
        return user_id_for_token(raw)
    except Unauthorized:
        return None


def require_user(view):
    """Set g.user from the request's token; 401 M_UNKNOWN_TOKEN / M_MISSING_TOKEN otherwise."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = user_for_token(token_from_request())
        return view(*args, **kwargs)

    return wrapper


def require_user_or_session(view):
    """Like require_user, but a request without a token may use a web session cookie instead.

    A token, when sent, wins (and must be valid); cookie-authenticated state changes are only
    reached through CSRF-protected blueprints.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        if token_from_request() is None and current_user.is_authenticated:
            g.user = current_user._get_current_object()
        else:
            g.user = user_for_token(token_from_request())
        return view(*args, **kwargs)

    return wrapper


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_or_session_user(*, cookie_csrf: Callable[[], None] | None = None) -> User:
    """The caller of a JSON API that scripts and pages both use.

    A Bearer token (IM or widget token), when sent, wins and must be valid; otherwise the web
    session cookie, whose state changes need the CSRF token since a browser sends cookies on its
    own: `cookie_csrf()` when given (it then checks every method), else the form field or
    X-CSRFToken header on unsafe methods. No credentials: 401 M_MISSING_TOKEN.
    """
    from app.extensions import csrf

    raw = token_from_request()
    if raw is None and current_user.is_authenticated:
        if cookie_csrf is not None:
            cookie_csrf()
        elif request.method not in SAFE_METHODS:
            csrf.protect()
        return current_user._get_current_object()
    return user_for_token(raw)


def signed_in_api(view):
    """For JSON APIs any signed-in user may call from a script or a page (e.g. /api/v1/studio/*):
    g.user from token_or_session_user. Use on a blueprint whose policy has csrf=False (the CSRF
    token is checked here, for cookies only)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = token_or_session_user()
        return view(*args, **kwargs)

    return wrapper
