"""The web session (Flask-Login): which user a signed session cookie names, and who is an admin."""
from __future__ import annotations

from flask import current_app, g
from flask_login import LoginManager

from app.extensions import db
from app.models import User

login_manager = LoginManager()
login_manager.login_view = "signin.signin_page"


def init_app(app) -> None:
    login_manager.init_app(app)
    # No remember-me cookies here (the session cookie is the sign-in); Flask-Login's hook for them
    # reads the session on every response, which would add Vary: Cookie to public, cacheable ones.
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    # Flask-Login caches the user on g, which outlives the request when an app context was pushed
    # around it (CLI commands, tests): forget it so the next request reads its own cookie.
    # Flask-WTF caches the session's CSRF token there too (another client's session next time).
    app.teardown_request(_forget_request_user)


def _forget_request_user(_error) -> None:
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user a session cookie names ("<id>.<generation>", see User.get_id), or None when the user
    signed out everywhere since (or the value is not ours)."""
    user_id, _dot, generation = session_id.partition(".")
    generation = generation or "0"  # a cookie from before generations existed: nobody signed out since
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.session_generation == int(generation) else None


def is_admin(matrix_id: str) -> bool:
    """ADMIN_MATRIX_IDS is a comma-separated list of Matrix IDs."""
    admins = {part.strip() for part in current_app.config["ADMIN_MATRIX_IDS"].split(",")}
    return matrix_id in admins - {""}
