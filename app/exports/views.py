"""Taking an owned pack to other Matrix clients: write it into the user's pack room (the bot), or
download it as a zip.

Trust boundary: our Bearer token (the picker and the manager), or the web session cookie of a user
signed in on the site, whose POSTs need the CSRF token (X-CSRFToken header) like any form.
"""
from __future__ import annotations

import hashlib

from flask import Response, current_app, g, jsonify, request
from flask_login import current_user

from app.auth.request import signed_in_api, token_from_request
from app.exports.access import usable_pack
from app.exports.archive import pack_zip
from app.exports.content import state_key
from app.exports.services import export_pack
from app.extensions import limiter
from app.web.policy import ErrorFormat, PolicyBlueprint, TrustPolicy

# CSRF is checked by `signed_in_api` for cookie-authenticated changes only (a Bearer token needs none).
EXPORT_API = TrustPolicy(errors=ErrorFormat.JSON, csrf=False, cache_control="no-store")
bp = PolicyBlueprint("exports_api", __name__, url_prefix="/api/v1/me/packs", policy=EXPORT_API)
def _caller() -> str:
    """Rate-limit key: the token or web session of the request (checked by the view after this)."""
    raw = token_from_request()
    if raw is None and current_user.is_authenticated:
        return f"export:session:{current_user.get_id()}"
    return "export:token:" + hashlib.sha256((raw or request.remote_addr or "").encode()).hexdigest()


@bp.post("/<slug>/export")
@limiter.limit(lambda: current_app.config["RATELIMIT_EXPORT"], key_func=_caller, scope="export")
@signed_in_api
def export(slug: str):
    """Write the pack into the user's Hexpack pack room as MSC2545 state; {"room_id", "state_keys"}."""
    result = export_pack(user=g.user, slug=slug)
    keys = [state_key(slug, part) for part in range(1, result.parts + 1)]
    return jsonify(room_id=result.room_id, state_keys=keys,
                   room_url=f"https://matrix.to/#/{result.room_id}")


@bp.get("/<slug>/download")
@signed_in_api
def download(slug: str):
    """The pack as a zip: images named by shortcode, plus a maunium `packs/` folder."""
    pack = usable_pack(user=g.user, slug=slug)
    data = pack_zip(pack, homeserver_url=current_app.config.get("MATRIX_HOMESERVER_URL", ""))
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{pack.slug}.zip"',
        "Cache-Control": "private, no-store"})
