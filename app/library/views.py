"""The widget's JSON API for the signed-in user: session from OpenID, packs, picker order, favourites.

Trust boundary: our bearer token in the Authorization header (held in the iframe's memory,
never a cookie), hence CSRF-exempt. Same-origin callers only (the picker and manager pages).
"""
from flask import g, jsonify, request
from flask_login import current_user, logout_user

from app.auth.request import require_user, require_user_or_session, token_from_request
from app.extensions import csrf
from app.integrations import services as integrations
from app.integrations.views import openid_limit
from app.library import services
from app.signin.services import sign_out_everywhere
from app.signin.sessions import is_admin
from app.library.summaries import favourite_json, pack_json
from app.web.json_input import json_object
from app.web.policy import TOKEN_API, PolicyBlueprint

bp = PolicyBlueprint("library", __name__, url_prefix="/api/v1", policy=TOKEN_API)


@bp.post("/session")
@openid_limit
def create_session():
    """Exchange a Matrix OpenID token (from the widget API's get_openid) for our bearer token."""
    user, token = integrations.sign_in(openid_token=json_object(), kind="widget")
    return jsonify(token=token, user_id=user.matrix_id,
                   expires_in=int(integrations.WIDGET_SESSION_TTL.total_seconds()))


@bp.get("/me")
@require_user_or_session
def me():
    """Bearer token or web session cookie alike (a GET: no CSRF needed)."""
    return jsonify(user_id=g.user.matrix_id, admin=is_admin(g.user.matrix_id), picker_hidden=g.user.picker_hidden)


@bp.post("/me/logout-all")
@require_user_or_session
def logout_everywhere():
    """Revoke every token of the user, IM and widget alike, the presented one included, and end
    every web session of theirs. A cookie-authenticated call needs the X-CSRFToken header."""
    if token_from_request() is None:
        csrf.protect()  # the browser sends the cookie on its own: require the token
    sign_out_everywhere(g.user)
    if current_user.is_authenticated:
        logout_user()
    return jsonify({})


@bp.get("/me/packs")
@require_user
def my_packs():
    """What the user's picker shows, in order; ?include_hidden=1 adds the hidden ones (flagged)."""
    include_hidden = request.args.get("include_hidden") in ("1", "true")
    items = [item for item in services.library(user=g.user) if include_hidden or not item.hidden]
    return jsonify(packs=pack_json(items), picker_hidden=g.user.picker_hidden)


@bp.put("/me/picker")
@require_user
def set_picker():
    """Body: {"order": [slugs], "hidden": [slugs], "picker_hidden": bool}, every field optional."""
    body = json_object()
    services.set_picker(user=g.user, order=body.get("order"), hidden=body.get("hidden"),
                        picker_hidden=body.get("picker_hidden"))
    return jsonify(packs=pack_json(services.library(user=g.user)), picker_hidden=g.user.picker_hidden)


@bp.get("/me/favourites")
@require_user
def favourites():
    return jsonify(favourites=favourite_json(services.favourite_stickers(user=g.user)))


@bp.put("/me/favourites/<id:sticker_id>")
@require_user
def add_favourite(sticker_id: int):
    services.add_favourite(user=g.user, sticker_id=sticker_id)
    return jsonify({})


@bp.delete("/me/favourites/<id:sticker_id>")
@require_user
def remove_favourite(sticker_id: int):
    services.remove_favourite(user=g.user, sticker_id=sticker_id)
    return jsonify({})
