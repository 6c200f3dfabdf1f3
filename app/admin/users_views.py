"""Admin console: users (pages under /admin/users, JSON under /api/v1/admin).

A user's page lists every entitlement with its source; grant and revoke go through
app.admin.users_services (the operators' ownership use cases, audited as the signed-in admin).
"""
from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for

from app.admin import users_services as users
from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_api, admin_page
from app.exceptions import AppError, InvalidInput
from app.signin.links import checked_matrix_id
from app.web.json_input import json_object
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin_users", __name__, policy=ADMIN_PAGE)
api = PolicyBlueprint("admin_users_api", __name__, policy=ADMIN_API)
blueprints = (bp, api)


@bp.get("/admin/users")
@admin_page
def user_list():
    query = request.args.get("q", "").strip()[:255]
    page = request.args.get("page", 1, type=int) or 1
    found, more = users.search_users(query, page=page)
    exact = _well_formed(query) if query and not any(user.matrix_id == query for user, _n in found) else None
    return render_template("admin/users.html", query=query, users=found, page=max(page, 1), more=more,
                           new_user=exact)


@bp.get("/admin/users/<path:matrix_id>")
@admin_page
def user_page(matrix_id: str):
    if _well_formed(matrix_id) is None:
        abort(404, "Not a Matrix ID: user pages are /admin/users/@name:server.")
    try:
        rows = users.user_entitlements(users.find_user(matrix_id))
        known = True
    except AppError:
        rows, known = [], False
    return render_template("admin/user.html", matrix_id=matrix_id, rows=rows, known=known,
                           packs=users.all_packs())


@bp.post("/admin/users/grant")
@admin_page
def grant():
    return _entitlement_form(users.grant, "Granted {slug} to {user}.", "{user} already had {slug}; nothing changed.")


@bp.get("/admin/users/revoke")
@admin_page
def confirm_revoke():
    """The revoke confirmation: which pack, from whom, and an optional reason."""
    matrix_id, slug = request.args.get("user_id", ""), request.args.get("pack", "")
    try:
        state = users.state_of(checked_matrix_id(matrix_id), slug)
    except AppError as error:
        abort(error.status, error.message)
    return render_template("admin/revoke.html", state=state)


@bp.post("/admin/users/revoke")
@admin_page
def revoke():
    return _entitlement_form(users.revoke, "Revoked {slug} from {user}.", "{user} did not have {slug}; nothing changed.")


def _entitlement_form(change, done: str, unchanged: str):
    """Grant or revoke from a form, as the admin; back to the user's page with what happened."""
    matrix_id, slug = request.form.get("user_id", ""), request.form.get("pack", "")
    try:
        _state, changed = change(matrix_id=matrix_id, slug=slug, actor=g.admin.matrix_id,
                                 note=request.form.get("reason"))
    except AppError as error:
        return _back_with_error(matrix_id, error)
    flash((done if changed else unchanged).format(slug=slug, user=matrix_id), "success" if changed else "info")
    return redirect(url_for("admin_users.user_page", matrix_id=matrix_id), 303)


@api.post("/api/v1/admin/entitlements")
@admin_api
def api_grant():
    """Body {"user_id", "pack", "reason"?}: grant the pack; 200 with the entitlement's state."""
    body = json_object()
    state, changed = users.grant(matrix_id=body.get("user_id"), slug=body.get("pack"),
                                 actor=g.admin.matrix_id, note=body.get("reason"))
    return jsonify(entitlement=state.as_json(), changed=changed)


@api.delete("/api/v1/admin/entitlements")
@admin_api
def api_revoke():
    """Body {"user_id", "pack", "reason"?}: revoke the pack; 200 with the entitlement's state."""
    body = json_object()
    state, changed = users.revoke(matrix_id=body.get("user_id"), slug=body.get("pack"),
                                  actor=g.admin.matrix_id, note=body.get("reason"))
    return jsonify(entitlement=state.as_json(), changed=changed)


def _well_formed(matrix_id: str) -> str | None:
    try:
        return checked_matrix_id(matrix_id)
    except InvalidInput:
        return None


def _back_with_error(matrix_id: str, error: AppError):
    flash(error.message, "error")
    if _well_formed(matrix_id) is None:
        return redirect(url_for("admin_users.user_list"), 303)
    return redirect(url_for("admin_users.user_page", matrix_id=matrix_id), 303)
