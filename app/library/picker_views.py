"""The sticker picker widget, under /api so Element appends scalar_token to its URL.

Signed-in users (scalar_token, or the widget's Bearer token) get their own picker: their packs
in their order, favourites first. Everyone else gets the cached page of free packs.
"""
from flask import Response, request

from app.auth.request import request_user_id
from app.library.picker_contents import picker_contents, stickers_in_order
from app.library.summaries import favourites_section
from app.packs.catalogue import published_free_pack_keys
from app.web.policy import WIDGET_PAGE, PolicyBlueprint
from app.widget.page import Page, picker_page, theme_name

bp = PolicyBlueprint("widget", __name__, url_prefix="/api/widgets", policy=WIDGET_PAGE)


@bp.get("/stickerpicker")
def stickerpicker():
    theme = theme_name(request.args.get("theme") or request.args.get("org.matrix.msc2873.client_theme"))
    user_id = request_user_id()  # scalar_token in the URL, or the widget's Bearer token
    if user_id is not None:
        return _page_response(_personal_picker_page(user_id=user_id, theme=theme), private=True)
    page = picker_page(keys=published_free_pack_keys(), theme=theme, cacheable=True)
    return _page_response(page, private=False)


def _personal_picker_page(*, user_id: int, theme: str) -> Page:
    # Users with the same packs and favourites share one cached page: nothing in it names the user.
    contents = picker_contents(user_id)
    return picker_page(keys=contents.keys, theme=theme, cacheable=True, variant=("personal", contents.cache_key),
                       eager_taken=len(contents.favourites), identified=True,
                       late_context=lambda: {"favourites": favourites_section(stickers_in_order(contents.favourites))})


def _page_response(page, *, private: bool) -> Response:
    if request.if_none_match.contains(page.etag):
        response = Response(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = Response(page.gzipped, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(page.body, mimetype="text/html")
    response.set_etag(page.etag)
    response.headers["Vary"] = "Accept-Encoding, Authorization"
    # Revalidate on every open (cheap 304) so a new pack shows up at once.
    response.headers["Cache-Control"] = ("private" if private else "public") + ", no-cache"
    return response
