"""Sign-in use cases: send a one-time link by the bot, then use it up to sign in."""
from __future__ import annotations

from html import escape

from flask import current_app

from app import audit
from app.auth.tokens import get_or_create_user
from app.bot.outbox import enqueue_message
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


def sign_in_with_link(token: str) -> User:
    """Use the link up and return its user (created on first sign-in); LinkRefused if it cannot."""
    with transaction():
        user = get_or_create_user(consume_link(token))
        audit.record(user.matrix_id, "signin.web", f"user:{user.matrix_id}")
    return user
