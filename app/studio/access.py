"""Who is calling the studio: a Bearer token (IM or widget token) or a web session.

Same rule as the admin API (app/admin/access.py): a token, when sent, wins and must be valid; a
cookie-authenticated state change needs the CSRF token (X-CSRFToken header or csrf_token field).
Pages send anonymous visitors to sign in and back.
"""
from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from app.auth.request import token_or_session_user
from app.web.bodies import accept_upload
from app.web.policy import ErrorFormat, TrustPolicy

# The studio's JSON API: CSRF checked by creator_api for cookie-authenticated changes only.
STUDIO_API = TrustPolicy(errors=ErrorFormat.JSON, csrf=False, cache_control="no-store")
STUDIO_PAGE = TrustPolicy(errors=ErrorFormat.HTML, cache_control="no-store")


def creator_api(view=None, *, upload: bool = False):
    """Sets g.user from the Bearer token or the session; 401 without either.

    upload=True: once the caller is known, the route's larger @body_limit applies (accept_upload);
    a cookie session must then send X-CSRFToken, checked before a byte of the body is read.
    """
    if view is None:
        return lambda inner: creator_api(inner, upload=upload)

    @wraps(view)
    def wrapper(*args, **kwargs):
        # An upload's cookie session proves itself by header, before a byte of the body is read.
        g.user = token_or_session_user(cookie_csrf=_check_csrf_header if upload else None)
        if upload:
            accept_upload()
        return view(*args, **kwargs)

    return wrapper


def _check_csrf_header() -> None:
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError as error:
        raise CSRFError(f"{error.args[0] if error.args else 'Bad CSRF token'}: send the page's CSRF token "
                        "in an X-CSRFToken header with an upload.") from None


def creator_page(view):
    """For /studio pages: sign in first (and come back)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("signin.signin_page", next=request.full_path.rstrip("?")))
        g.user = current_user._get_current_object()
        return view(*args, **kwargs)

    return wrapper
