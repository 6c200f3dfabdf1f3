"""Server-side rendering of the picker's sticker grid, cached by pack revision.

Sections are pure functions of (pack id, revision, eager count, media base), so a small
per-process cache (one per app, see app.caching) is safe across workers: a stale entry is
never read, only evicted (revisions are never shared between packs, see app.packs.generation,
which also empties the cache when another process changed the catalogue).
"""
from __future__ import annotations

import base64
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from flask import current_app, render_template
from markupsafe import Markup

from app.caching import app_cache
from app.media.urls import media_url
from app.packs import generation
from app.packs.catalogue import packs_with_stickers
from app.storage import small_blobs

DISPLAY_MAX = 256  # info.w/h: keep stickers from rendering huge in the timeline
# The first screen of Element's 300x300 popover (4 columns, 3 rows showing): these come in the
# page itself (INLINE_MAX) or load at once with fetchpriority="high"; the rest wait for picker.js
# (lazy, after them).
EAGER_STICKERS = 12
INLINE_MAX = 16 * 1024  # a larger first-screen image keeps its URL (a 128 px WebP is ~3-6 KiB)
_CACHE_SIZE = 1024


@dataclass(frozen=True)
class RenderedPack:
    slug: str
    name: str
    icon_url: str
    count: int
    section: Markup


def display_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, DISPLAY_MAX / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def sticker_view(sticker) -> dict:
    w, h = display_size(sticker.width, sticker.height)
    return {
        "id": sticker.id,
        "body": sticker.body,
        "mxc": sticker.mxc_uri or "",
        "info": f"{w},{h},{sticker.mimetype},{sticker.size}",
        "keywords": " ".join(filter(None, [sticker.emoji, sticker.tags])),
        "thumb": media_url(sticker.thumb_sha256, sticker.thumb_mimetype),
        # An animated sticker shows its still first frame; picker.js swaps in `thumb` to play it.
        "still": still_url(sticker),
    }


def still_url(sticker) -> str:
    """The poster of an animated sticker, the thumbnail of a static one."""
    if sticker.poster_sha256 is None:
        return media_url(sticker.thumb_sha256, sticker.thumb_mimetype)
    return media_url(sticker.poster_sha256, sticker.poster_mimetype)


def sticker_views(stickers, *, inline: int) -> list[dict]:
    """Views of these stickers; the first `inline` carry their still as a data: URI (`src`).

    The first screen's images come in the page: they paint as it arrives, without a request (and
    its round trip) each or anything else sharing the bandwidth with them."""
    views = [sticker_view(sticker) for sticker in stickers]
    firsts = defaultdict(list)
    for sticker, view in zip(stickers[:inline], views):
        firsts[sticker.poster_sha256 or sticker.thumb_sha256].append(view)
    for sha256, (mimetype, data) in small_blobs(list(firsts), INLINE_MAX).items():
        for view in firsts[sha256]:
            view["src"] = f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"
    return views


def rendered_packs(keys: list[tuple[int, int]], *, eager: int = EAGER_STICKERS) -> list[RenderedPack]:
    """Render (or fetch from cache) each pack; the first `eager` stickers load eagerly."""
    media_base = current_app.config["MEDIA_BASE_URL"]
    result = []
    generation.watch()
    cache = app_cache("widget.sections", OrderedDict, catalogue=True)
    for pack_id, revision in keys:
        key = (pack_id, revision, eager, media_base)
        rendered = cache.get(key)
        if rendered is None:
            pack = packs_with_stickers([pack_id]).get(pack_id)
            if pack is None:
                continue
            rendered = _render(pack, eager)
            _store(cache, key, rendered)
        else:
            cache.move_to_end(key)
        result.append(rendered)
        eager = max(0, eager - rendered.count)
    return result


def _render(pack, eager: int) -> RenderedPack:
    stickers = sticker_views(pack.stickers, inline=eager)
    section = render_template("widget/_pack.html", pack=pack, stickers=stickers, eager=eager)
    icon = stickers[0]["still"] if stickers else ""
    return RenderedPack(slug=pack.slug, name=pack.name, icon_url=icon, count=len(stickers),
                        section=Markup(section))


def _store(cache: OrderedDict, key, value) -> None:
    cache[key] = value
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
