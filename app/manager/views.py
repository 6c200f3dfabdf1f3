"""The integration manager's UI page, opened by Element at integrations_ui_url in a modal iframe.

Trust boundary: the scalar_token Element appends to the URL (no cookies: the page is framed by
another site). The page's script talks to Element through the Scalar postMessage API and to
our JSON API with that token as a Bearer token.
"""
from dataclasses import replace

from flask import current_app, make_response, render_template, request

from app.auth.request import request_user
from app.integrations import services as integrations
from app.integrations import terms
from app.library import services as library
from app.library.summaries import favourite_json, pack_json
from app.web.policy import WIDGET_PAGE, PolicyBlueprint
from app.web.public_url import public_base_url

# Framed by Element; the page holds the user's token, so it is never stored by a cache.
bp = PolicyBlueprint("manager", __name__, policy=replace(WIDGET_PAGE, cache_control="private, no-store"))
PICKER_NAME = "Hexpack stickers"


@bp.get("/manager")
def index():
    public_url = public_base_url()
    theme = request.args.get("theme", "")
    context = {"theme": "dark" if "dark" in theme else ("light" if "light" in theme else ""),
               "screen": request.args.get("screen", ""), "integ_id": request.args.get("integ_id", ""),
               "client_origins": " ".join(current_app.config["ELEMENT_ORIGINS"].replace(",", " ").split())}
    user = request_user()
    if user is None:
        response = make_response(render_template("manager/signed_out.html", **context), 401)
    else:
        response = make_response(render_template(
            "manager/index.html", **context, user=user,
            packs=pack_json(library.library(user=user)),
            favourites=favourite_json(library.favourite_stickers(user=user)),
            terms_signed=integrations.has_signed_terms(user=user),
            terms=terms.policies_document(public_url)["policies"],
            picker_url=f"{public_url}/api/widgets/stickerpicker?theme=$theme", picker_name=PICKER_NAME,
        ))
    return response
