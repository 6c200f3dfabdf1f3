"""The web session (Flask-Login): which user a signed session cookie names, and who is an admin."""
from __future__ import annotations

from flask import current_app
from flask_login import LoginManager

from app.extensions import db
from app.models import User

login_manager = LoginManager()
login_manager.login_view = "signin.signin_page"


def init_app(app) -> None:
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def is_admin(matrix_id: str) -> bool:
    """ADMIN_MATRIX_IDS is a comma-separated list of Matrix IDs."""
    admins = {part.strip() for part in current_app.config["ADMIN_MATRIX_IDS"].split(",")}
    return matrix_id in admins - {""}
