"""Who may use the admin console and the admin API: the Matrix IDs in ADMIN_MATRIX_IDS.

Pages (cookie session): anonymous -> the sign-in page (then back here), a signed-in non-admin ->
403. The JSON API: an admin's Bearer token (IM or widget token) or an admin's cookie session, whose
state changes need the CSRF token (X-CSRFToken header or csrf_token field) like any form; no
credentials -> 401, a non-admin -> 403 M_FORBIDDEN.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from app.auth.request import token_or_session_user
from app.exceptions import NotAllowed
from app.signin.sessions import is_admin
from app.web.policy import ErrorFormat, TrustPolicy

def admin_page(view):
    """For console pages; sets g.admin (the User)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("signin.signin_page", next=request.full_path.rstrip("?")))
        if not is_admin(current_user.matrix_id):
            abort(403, "This page is for Hexpack's operators. Ask one to add your Matrix ID to "
                       "ADMIN_MATRIX_IDS if you should be one.")
        g.admin = current_user._get_current_object()
        return view(*args, **kwargs)

    return wrapper


def admin_api(view):
    """For /api/v1/admin/*; sets g.admin (the User). A token, when sent, wins and must be valid."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = token_or_session_user()  # 401 without credentials; CSRF for cookie changes
        if not is_admin(user.matrix_id):
            raise NotAllowed("Only Hexpack's operators (ADMIN_MATRIX_IDS) may do this.")
        g.admin = user
        return view(*args, **kwargs)

    return wrapper

# Console pages: HTML errors, CSRF on forms, never cached (they show orders and Matrix IDs).
ADMIN_PAGE = TrustPolicy(errors=ErrorFormat.HTML, cache_control="no-store")
# The JSON API: CSRF is checked by admin_api for cookie-authenticated changes only (Bearer needs none).
ADMIN_API = TrustPolicy(errors=ErrorFormat.JSON, csrf=False, cache_control="no-store")
