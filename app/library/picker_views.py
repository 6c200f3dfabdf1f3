"""The sticker picker widget, under /api so Element appends scalar_token to its URL.

Signed-in users (scalar_token, or the widget's Bearer token) get their own picker: their packs
in their order, favourites first. Everyone else gets the cached page of free packs, which
app.widget.fast_path repeats before Flask once this view has answered it.
"""
from flask import Response, request

from app.auth.request import request_user_id
from app.auth.tokens import user_id_for_token
from app.exceptions import Unauthorized
from app.extensions import db
from app.library.picker_contents import PickerContents, picker_contents, stickers_in_order
from app.library.summaries import favourites_section
from app.packs.catalogue import free_keys_fresh_until, published_free_pack_keys
from app.web.policy import WIDGET_PAGE, PolicyBlueprint
from app.widget.fast_path import answer_kind, offer_page
from app.widget.page import Page, cached_picker_page, picker_page, requested_theme

bp = PolicyBlueprint("widget", __name__, url_prefix="/api/widgets", policy=WIDGET_PAGE)


@bp.get("/stickerpicker")
def stickerpicker():
    theme = requested_theme(request.args)
    user_id = request_user_id()  # scalar_token in the URL, or the widget's Bearer token
    if user_id is not None:
        return _page_response(_personal_picker_page(user_id=user_id, theme=theme), private=True)
    keys = published_free_pack_keys()
    page = picker_page(keys=keys, theme=theme, cacheable=True)
    offer_page(request.environ, page=page, private=False, theme=theme, fresh_until=free_keys_fresh_until(keys))
    return _page_response(page, private=False)


def _personal_picker_page(*, user_id: int, theme: str) -> Page:
    # Users with the same packs and favourites share one cached page: nothing in it names the user.
    contents = picker_contents(user_id)
    page = picker_page(keys=contents.keys, theme=theme, cacheable=True, variant=_personal_variant(contents),
                       eager_taken=len(contents.favourites), identified=True,
                       late_context=lambda: {"favourites": favourites_section(stickers_in_order(contents.favourites))})
    offer_page(request.environ, page=page, private=True)
    return page


def cached_personal_page(token: str, theme: str) -> Page | None:
    """For app.widget.fast_path, in an app context without a request: the signed-in picker page
    this token gets, when the view would take it from its cache; None for Flask to answer."""
    # One connection, no ORM session: its set-up and tear-down cost as much as the queries.
    with db.engine.connect() as connection:
        try:
            user_id = user_id_for_token(token, connection=connection)
        except Unauthorized:
            return None  # the view answers the anonymous page
        if user_id is None:
            return None  # the view notes the token's use
        contents = picker_contents(user_id, connection=connection)
    return cached_picker_page(keys=contents.keys, theme=theme, variant=_personal_variant(contents))


def _personal_variant(contents: PickerContents) -> tuple:
    return "personal", contents.cache_key


def _page_response(page, *, private: bool) -> Response:
    kind = answer_kind(request.environ, page)
    if kind == "304":
        response = Response(status=304)
    elif kind == "gzip":
        response = Response(page.gzipped, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(page.body, mimetype="text/html")
    response.set_etag(page.etag)
    response.headers["Vary"] = "Accept-Encoding, Authorization"
    # Revalidate on every open (cheap 304) so a new pack shows up at once.
    response.headers["Cache-Control"] = ("private" if private else "public") + ", no-cache"
    return response
