"""Web (cookie) sessions for tests: sign a test client in without the bot's link, read CSRF tokens."""
from __future__ import annotations

import re

from tests.factories import user as make_user

CSRF_FIELD = re.compile(rb'name="csrf_token" value="([^"]+)"')


def csrf_token(client) -> str:
    """A valid CSRF token for this client's session (from the sign-in page's form)."""
    return CSRF_FIELD.search(client.get("/signin").data).group(1).decode()


def sign_in_web(client, matrix_id: str) -> str:
    """Start a Flask-Login session for matrix_id (created if new) as the link's POST would;
    returns a CSRF token for the session's forms and X-CSRFToken headers."""
    person = make_user(matrix_id)
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()  # "<id>.<session generation>", as login_user stores it
        session["_fresh"] = True
    return csrf_token(client)
