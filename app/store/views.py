"""The public store (server-rendered pack pages), its JSON catalogue for the picker's store tab,
and adding a pack to the picker (widget token).

A pack page sells to a signed-in web user (Buy / Add: same-origin form posts with CSRF, then the
Stripe Checkout page or back here); to anyone else it is the same public page for everyone, so it
stays cacheable for anonymous visitors (Vary: Cookie) and is never cached once it names a user.
"""
import json

from flask import flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.assets import asset_url
from app.auth.request import optional_user, require_user, token_from_request
from app.exceptions import AppError, InvalidInput
from app.exports.access import may_use
from app.library.services import add_to_picker
from app.media.urls import media_url
from app.payments.payouts import not_for_sale_now
from app.payments.services import payments_enabled, start_checkout_returning_here
from app.store.page_json import page_response
from app.store.services import (MAX_PAGE_SIZE, PAGE_SIZE, caller_owning, owns_pack, store_page, store_pack,
                                store_packs)
from app.web.policy import PAGE, TOKEN_API, PolicyBlueprint
from app.web.public_url import shareable_public_url

bp = PolicyBlueprint("store", __name__, policy=PAGE)
api = PolicyBlueprint("store_api", __name__, policy=TOKEN_API)


@bp.app_template_global()
def sticker_preview_url(sticker) -> str:
    return media_url(sticker.thumb_sha256, sticker.thumb_mimetype)


@bp.app_template_global()
def sticker_poster_url(sticker) -> str:
    """A still preview: the poster of an animated sticker, the thumbnail of a static one."""
    if sticker.poster_sha256 is None:
        return sticker_preview_url(sticker)
    return media_url(sticker.poster_sha256, sticker.poster_mimetype)


@bp.get("/")
def index():
    return redirect(url_for("store.pack_list"))


@bp.get("/favicon.ico")
def favicon():
    """For clients that ask for /favicon.ico without reading the pages' <link rel="icon">."""
    return redirect(asset_url("img/hexpack.svg"), code=301)


@bp.get("/packs")
def pack_list():
    packs = store_packs()
    return render_template("store/pack_list.html", packs=packs, for_sale=payments_enabled(),
                           not_for_sale_now=not_for_sale_now(packs), picker_snippet=_picker_snippet())


@bp.get("/packs/<slug>")
def pack_detail(slug: str):
    pack, creator = store_pack(slug)
    shopper = current_user._get_current_object() if current_user.is_authenticated else None
    response = make_response(render_template(
        "store/pack_detail.html", pack=pack, creator=creator, for_sale=payments_enabled(),
        not_for_sale_now=not_for_sale_now([pack]),
        picker_snippet=_picker_snippet(), shopper=shopper,
        owned=shopper is not None and owns_pack(user=shopper, pack=pack),
        owner=shopper is not None and may_use(user_id=shopper.id, pack=pack)))
    response.vary.add("Cookie")  # the page shown depends on the session cookie
    if shopper is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/packs/<slug>/buy")
def buy(slug: str):
    """A signed-in web user buys: to the Stripe Checkout page (same tab), back to the success page."""
    if not current_user.is_authenticated:
        return _to_signin(slug)
    try:
        order = start_checkout_returning_here(user=current_user._get_current_object(), slug=slug)
    except AppError as error:
        flash(error.message, "error")
        return redirect(url_for("store.pack_detail", slug=slug), 303)
    return redirect(order.checkout_url, 303)


@bp.post("/packs/<slug>/add")
def add(slug: str):
    """A signed-in web user adds a free pack: it is in their picker in Element from now on."""
    if not current_user.is_authenticated:
        return _to_signin(slug)
    try:
        add_to_picker(user=current_user._get_current_object(), slug=slug)
    except AppError as error:
        flash(error.message, "error")
    else:
        flash("Added: it is in your sticker picker in Element.", "success")
    return redirect(url_for("store.pack_detail", slug=slug), 303)


def _to_signin(slug: str):
    return redirect(url_for("signin.signin_page", next=url_for("store.pack_detail", slug=slug)), 303)


@api.get("/api/v1/store")
def store_catalogue():
    """A page of the published packs for the picker's store tab (`?q=` searches, `?cursor=` is the
    previous page's `next`); `owned` is set when a Bearer token is sent."""
    token = token_from_request()
    try:
        page = store_page(query=request.args.get("q", "")[:200], cursor=request.args.get("cursor") or None,
                          limit=_page_size(request.args.get("limit")))
    except InvalidInput:
        optional_user()  # a bad token is a 401 before a bad parameter's 400
        raise
    # One query for the token, its user and what they own on this page (the page itself is cached).
    user_id, owned = caller_owning(token, page.pack_ids) if token else (None, None)
    response = page_response(page, for_sale=payments_enabled(), owned=owned, user_id=user_id,
                             paused=not_for_sale_now([pack for pack, _, _ in page.rows]))
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Authorization"
    return response


def _page_size(raw: str | None) -> int:
    if raw is None or raw == "":
        return PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}.")
    return int(raw)


@api.post("/api/v1/me/packs/<slug>/add")
@require_user
def add_pack(slug: str):
    """A free pack, or one the user owns but hid, into their picker."""
    entitlement = add_to_picker(user=g.user, slug=slug)
    return jsonify(pack=slug, source=entitlement.source)


@bp.app_template_filter()
def plural(count: int, noun: str) -> str:
    """3, "sticker" -> "3 stickers"; 1 -> "1 sticker"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _picker_snippet() -> str | None:
    """The m.widgets account data that adds this server's picker, for people adding it by hand;
    None while PUBLIC_URL is a loopback address that this visitor could not reach."""
    public_url = shareable_public_url()
    if public_url is None:
        return None
    url = public_url + "/api/widgets/stickerpicker"
    widget = {"type": "m.stickerpicker", "url": url + "?theme=$org.matrix.msc2873.client_theme",
              "name": "Hexpack stickers", "creatorUserId": "@you:example.org", "data": {},
              "id": "hexpack-stickerpicker"}
    snippet = {"hexpack-stickerpicker": {"content": widget, "sender": "@you:example.org",
                                         "state_key": "hexpack-stickerpicker", "type": "m.widget",
                                         "id": "hexpack-stickerpicker"}}
    return json.dumps(snippet, indent=2)
