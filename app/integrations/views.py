"""The integration manager API Element calls: /_matrix/integrations/v1 and the legacy Scalar /api paths.

Trust boundary: our bearer token (Authorization: Bearer, ?access_token= or ?scalar_token=),
obtained with a Matrix OpenID token; no cookies, hence CSRF-exempt. Element calls these with
fetch() from its own origin, so every answer, errors included, carries CORS headers.
"""
from functools import wraps
from urllib.parse import unquote

from flask import abort, current_app, g, jsonify, render_template, request

from app.auth.request import require_user, token_from_request
from app.auth.tokens import revoke_token
from app.exceptions import InvalidInput
from app.extensions import limiter
from app.integrations import services, terms
from app.web.json_input import json_object
from app.web.policy import PAGE, Cors, ErrorFormat, PolicyBlueprint, TrustPolicy
from app.web.public_url import public_base_url

IM = "/_matrix/integrations/v1"
LEGACY_API_VERSION = "1.1"  # Element's imApiVersion
# Bearer tokens only, never cookies: any origin may call (Element runs on many), errors included.
bp = PolicyBlueprint("integrations", __name__, claims=(IM + "/",), policy=TrustPolicy(
    errors=ErrorFormat.JSON, csrf=False, cache_control="no-store",
    cors=Cors(allow_methods="GET, POST, OPTIONS", allow_headers="Authorization, Content-Type, X-Requested-With",
              max_age=86400)))
# The policy documents the terms link to: pages for people, opened from Element's terms dialog.
terms_bp = PolicyBlueprint("terms", __name__, policy=PAGE)

openid_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_OPENID"], scope="openid",
                                    methods=["POST"])


def terms_signed(view):
    """After require_user: 403 M_TERMS_NOT_SIGNED until the current terms are accepted (MSC2140)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        services.check_terms(user=g.user)
        return view(*args, **kwargs)

    return wrapper


@bp.post(IM + "/account/register")
@openid_limit
def register():
    _user, token = services.sign_in(openid_token=json_object(), kind="im")
    return jsonify(token=token)


@bp.post("/api/register")
@openid_limit
def legacy_register():
    version = request.args.get("v", LEGACY_API_VERSION)
    if version != LEGACY_API_VERSION:
        raise InvalidInput(f"Unsupported API version {version!r}; use v={LEGACY_API_VERSION}.",
                           errcode="M_UNRECOGNIZED")
    _user, token = services.sign_in(openid_token=json_object(), kind="im")
    return jsonify(scalar_token=token)


@bp.get(IM + "/account")
@bp.get("/api/account")
@require_user
@terms_signed
def account():
    return jsonify(user_id=g.user.matrix_id)


@bp.post(IM + "/account/logout")
@require_user
def logout():
    revoke_token(token_from_request())
    return jsonify({})


@bp.get(IM + "/terms")
def get_terms():
    return jsonify(terms.policies_document(public_base_url()))


@bp.post(IM + "/terms")
@require_user
def accept_terms():
    services.accept_terms(user=g.user, urls=json_object().get("user_accepts"))
    return jsonify({})


@bp.get("/api/widgets/set_assets_state")
@require_user
@terms_signed
def set_assets_state():
    services.set_assets_state(user=g.user, widget_type=request.args.get("widget_type", ""),
                              state=request.args.get("state", ""))
    return jsonify({})


@bp.get("/api/widgets/title_lookup")
@require_user
@terms_signed
def title_lookup():
    # Element encodes the URL twice (encodeURIComponent, then URLSearchParams).
    title = services.title_for(unquote(request.args.get("curl", "")))
    return jsonify(page_title_cache_item={"cached_title": title})


@terms_bp.get("/terms/<name>")
def terms_document(name: str):
    found = terms.policy_for_document(name)
    if found is None:
        abort(404)
    policy, lang = found
    response = current_app.make_response(render_template(policy.template(lang), policy=policy, lang=lang,
                                                         public_url=public_base_url()))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
