"""Sign in with Matrix on the web: the /signin page, the bot's one-time link, sign out.

Trust boundary: pages and the link's confirmation are cookie-session forms (PAGE: CSRF). Asking
for a link (POST /auth/matrix) signs nobody in, so JSON callers need no token; a form post of it
still carries the CSRF token, checked here.
"""
from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import current_app, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from app.auth.request import require_user, token_from_request
from app.exceptions import InvalidInput
from app.extensions import csrf, limiter
from app.signin import services
from app.signin.links import LinkRefused, link_lifetime, peek_link
from app.web.json_input import json_object
from app.web.policy import PAGE, TOKEN_API, ErrorFormat, PolicyBlueprint, TrustPolicy

bp = PolicyBlueprint("signin", __name__, policy=PAGE)
# Its own policy: JSON or form bodies, errors as HTML or JSON (Accept), never cached.
api = PolicyBlueprint("signin_api", __name__, policy=TrustPolicy(errors=ErrorFormat.HTML, csrf=False,
                                                                  cache_control="no-store"))
# From inside Element (manager UI, picker): Bearer token only, never a cookie.
token_api = PolicyBlueprint("signin_token_api", __name__, policy=TOKEN_API)


def _target_matrix_id() -> str:
    """Rate-limit key: the Matrix ID the link is for, however the request spells it."""
    try:
        raw = json_object().get("user_id") if request.is_json else request.form.get("user_id")
    except InvalidInput:
        raw = None
    return f"signin-target:{str(raw or '').strip().lower()}"


def safe_next(target: str | None) -> str | None:
    """A same-origin path to go to after signing in, or None (//host, scheme:, backslashes refused)."""
    if not target or "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in target):
        return None
    return target


@bp.get("/signin")
def signin_page():
    return render_template("signin/signin.html", next=safe_next(request.args.get("next")), error=None,
                           user_id="", signed_out=request.args.get("signed_out"))


@api.post("/auth/matrix")
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN_LINK"], scope="signin-ip")
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN_TARGET"], key_func=_target_matrix_id,
               scope="signin-target")
def request_link():
    """202 for every well-formed Matrix ID (no enumeration); the bot sends the link."""
    if request.is_json:
        try:
            matrix_id = services.request_link(json_object().get("user_id"))
        except InvalidInput as error:
            return jsonify(errcode=error.errcode, error=error.message), 400
        return jsonify(user_id=matrix_id, sent=True), 202
    csrf.protect()
    next_path = safe_next(request.form.get("next"))
    try:
        matrix_id = services.request_link(request.form.get("user_id", "").strip())
    except InvalidInput as error:
        return render_template("signin/signin.html", next=next_path, error=error.message,
                               user_id=request.form.get("user_id", "")), 400
    return render_template("signin/sent.html", user_id=matrix_id, minutes=_minutes()), 202


def _token_key() -> str:
    """Rate-limit key: the Bearer token (hashed), checked by require_user after this."""
    raw = token_from_request() or request.remote_addr or ""
    return "web-login:" + hashlib.sha256(raw.encode()).hexdigest()


@token_api.post("/api/v1/web-login")
@limiter.limit(lambda: current_app.config["RATELIMIT_WEB_LOGIN"], key_func=_token_key, scope="web-login")
@require_user
def web_login():
    """A one-time sign-in link for the token's user: {"url"}; optional body {"next": "/same/origin/path"}."""
    body = json_object() if request.content_length else {}
    requested = body.get("next")
    next_path = safe_next(requested) if isinstance(requested, str) else None
    if requested is not None and next_path is None:
        raise InvalidInput('"next" must be a path on this site, like "/admin".')
    return jsonify(url=services.web_login_link(g.user, next_path))


@bp.get("/auth/matrix/<token>")
def confirm_page(token: str):
    """Shows whom the link signs in; does not use it (link previews and scanners GET it too)."""
    try:
        matrix_id = peek_link(token)
    except (LinkRefused, InvalidInput) as refused:
        return _refused_page(refused)
    return render_template("signin/confirm.html", user_id=matrix_id, token=token,
                           next=safe_next(request.args.get("next")))


@bp.post("/auth/matrix/<token>")
def confirm(token: str):
    try:
        user = services.sign_in_with_link(token)
    except (LinkRefused, InvalidInput) as refused:
        return _refused_page(refused)
    login_user(user)
    return redirect(safe_next(request.form.get("next")) or url_for("store.pack_list"), 303)


@bp.post("/auth/logout")
def logout():
    logout_user()
    return redirect(url_for("signin.signin_page", signed_out="here"), 303)


@bp.post("/auth/logout-all")
def logout_everywhere():
    """Sign out on every device: every web session and every token (picker, integration manager)."""
    if current_user.is_authenticated:
        services.sign_out_everywhere(current_user._get_current_object())
        logout_user()
    return redirect(url_for("signin.signin_page", signed_out="everywhere"), 303)


def _refused_page(refused: Exception):
    reason = refused.reason if isinstance(refused, LinkRefused) else "invalid"
    status = 400 if reason == "invalid" else 410
    return render_template("signin/refused.html", reason=reason, minutes=_minutes()), status


def _minutes() -> int:
    return int(link_lifetime().total_seconds() // 60)
