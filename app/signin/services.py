"""Sign-in use cases: send a one-time link by the bot, then use it up to sign in."""
from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import update

from app import audit
from app.auth.tokens import get_or_create_user, revoke_all_tokens
from app.bot.outbox import enqueue_message
from app.extensions import db
from app.models import User
from app.signin.links import checked_matrix_id, consume_link, issue_link, link_lifetime
from app.transactions import transaction


def link_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/auth/matrix/{token}"


def request_link(raw_matrix_id) -> str:
    """Queue a bot DM with a new link for a well-formed Matrix ID (known user or not); the ID.

    Answering the same way for users we have never seen keeps the page from telling anyone
    which Matrix IDs have a Hexpack account.
    """
    matrix_id = checked_matrix_id(raw_matrix_id)
    with transaction():
        url = link_url(issue_link(matrix_id))
        minutes = int(link_lifetime().total_seconds() // 60)
        body = (f"Sign-in link for Hexpack, valid {minutes} minutes, usable once: {url}\n"
                "Someone (hopefully you) asked to sign in to Hexpack on the web as this Matrix account. "
                "If it was not you, ignore this message: nothing happens unless the link is opened "
                "and confirmed.")
        html = (f"<p><b>Sign-in link for Hexpack</b> (valid {minutes} minutes, usable once): "
                f'<a href="{escape(url)}">{escape(url)}</a></p>'
                "<p>Someone (hopefully you) asked to sign in to Hexpack on the web as this Matrix account. "
                "If it was not you, ignore this message: nothing happens unless the link is opened "
                "and confirmed.</p>")
        enqueue_message(matrix_id, body, html)
        # Who asked is unknown (that is the point of the link): the system records the request,
        # never the link itself.
        audit.record(audit.SYSTEM, "signin.link_requested", f"user:{matrix_id}")
    return matrix_id


def web_login_link(user: User, next_path: str | None) -> str:
    """A one-time sign-in link for `user` (already signed in by a Bearer token), for their browser:
    the same link the bot sends (15 minutes, single use, confirm page then POST), without a DM."""
    with transaction():
        url = link_url(issue_link(user.matrix_id))
        audit.record(user.matrix_id, "signin.link", f"user:{user.matrix_id}", via="web-login")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def sign_in_with_link(token: str) -> User:
    """Use the link up and return its user (created on first sign-in); LinkRefused if it cannot."""
    with transaction():
        user = get_or_create_user(consume_link(token))
        audit.record(user.matrix_id, "signin.web", f"user:{user.matrix_id}")
    return user


def sign_out_everywhere(user: User) -> int:
    """End every web session of the user (on every device) and revoke every token (IM and widget);
    returns how many tokens were live."""
    with transaction():
        tokens = revoke_all_tokens(user)
        db.session.execute(update(User).where(User.id == user.id)
                           .values(session_generation=User.session_generation + 1))
        audit.record(user.matrix_id, "signin.logout_all", f"user:{user.matrix_id}", tokens=tokens)
    db.session.refresh(user)
    return tokens
