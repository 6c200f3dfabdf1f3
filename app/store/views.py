"""The public store (server-rendered pack pages) and adding a free pack (widget token)."""
from flask import Blueprint, g, jsonify, redirect, render_template, url_for

from app.auth.request import require_user
from app.extensions import csrf
from app.media.urls import media_url
from app.packs.ownership import add_free_pack
from app.payments.services import payments_enabled
from app.store.services import store_pack, store_packs

bp = Blueprint("store", __name__)


@bp.app_template_global()
def sticker_preview_url(sticker) -> str:
    return media_url(sticker.thumb_sha256, sticker.thumb_mimetype)


@bp.get("/")
def index():
    return redirect(url_for("store.pack_list"))


@bp.get("/packs")
def pack_list():
    return render_template("store/pack_list.html", packs=store_packs(), for_sale=payments_enabled())


@bp.get("/packs/<slug>")
def pack_detail(slug: str):
    pack, creator = store_pack(slug)
    return render_template("store/pack_detail.html", pack=pack, creator=creator, for_sale=payments_enabled())


@bp.post("/api/v1/me/packs/<slug>/add")
@csrf.exempt  # bearer-token JSON API
@require_user
def add_pack(slug: str):
    entitlement = add_free_pack(user=g.user, slug=slug)
    return jsonify(pack=slug, source=entitlement.source)
