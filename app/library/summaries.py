"""Plain-data views of a user's library for JSON answers and the per-user picker page."""
from __future__ import annotations

from types import SimpleNamespace

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from app.extensions import db
from app.library.services import LibraryPack
from app.media.urls import media_url
from app.models import Sticker
from app.widget.render import EAGER_STICKERS, sticker_views

FAVOURITES_SLUG = "_favourites"  # underscore: no real pack slug can collide (SLUG_RE)


def _first_thumbs_and_counts(pack_ids: list[int]) -> dict[int, tuple[int, str]]:
    rows = db.session.execute(
        select(Sticker.pack_id, Sticker.thumb_sha256, Sticker.thumb_mimetype)
        .where(Sticker.pack_id.in_(pack_ids)).order_by(Sticker.pack_id, Sticker.position)
    ) if pack_ids else []
    found: dict[int, tuple[int, str]] = {}
    for pack_id, sha256, mimetype in rows:
        count, icon = found.get(pack_id, (0, media_url(sha256, mimetype)))
        found[pack_id] = (count + 1, icon)
    return found


def pack_json(items: list[LibraryPack]) -> list[dict]:
    extra = _first_thumbs_and_counts([item.pack.id for item in items])
    result = []
    for item in items:
        count, icon = extra.get(item.pack.id, (0, ""))
        pack = item.pack
        result.append({"slug": pack.slug, "name": pack.name, "source": item.source, "hidden": item.hidden,
                       "stickers": count, "icon_url": icon, "author": pack.author, "license": pack.license,
                       "revision": pack.revision})
    return result


def favourite_json(stickers: list[Sticker]) -> list[dict]:
    return [{"sticker_id": s.id, "pack": s.pack.slug, "body": s.body, "mxc": s.mxc_uri or "",
             "thumb_url": media_url(s.thumb_sha256, s.thumb_mimetype)} for s in stickers]


def favourites_section(stickers: list[Sticker]) -> Markup | None:
    """The favourites row of the picker, rendered with the picker's own pack template."""
    if not stickers:
        return None
    pseudo_pack = SimpleNamespace(slug=FAVOURITES_SLUG, name="Favourites")
    return Markup(render_template("widget/_pack.html", pack=pseudo_pack,
                                  stickers=sticker_views(stickers, inline=EAGER_STICKERS), eager=EAGER_STICKERS))
