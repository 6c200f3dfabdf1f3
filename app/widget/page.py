"""The picker page as bytes, with a whole-page cache for the anonymous picker."""
from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from flask import current_app, render_template

from app.caching import app_cache
from app.widget.render import EAGER_STICKERS, rendered_packs

# Whole pages keyed by their packs' (id, revision) and what else they show: a stale page is never
# read. Anonymous and personal pages are kept apart, so many users' pages never evict the free one.
_MAX_PAGES = 64


@dataclass(frozen=True)
class Page:
    etag: str
    body: bytes
    gzipped: bytes


def theme_name(raw: str | None) -> str:
    """Element sends effective theme names (light, dark, light-high-contrast, custom-…);
    Android forks such as SchildiChat send "black"."""
    return "dark" if raw and ("dark" in raw.lower() or "black" in raw.lower()) else "light"


def cached_picker_page(*, keys: list[tuple[int, int]], theme: str, variant: tuple = ()) -> Page | None:
    """The page picker_page(cacheable=True) would give, if it is cached; None rather than render."""
    pages, cache_key = _pages(variant), _cache_key(keys, theme, variant)
    page = pages.get(cache_key)
    if page is not None:
        pages.move_to_end(cache_key)
    return page


def _cache_key(keys: list[tuple[int, int]], theme: str, variant: tuple) -> tuple:
    return tuple(keys), theme, current_app.config["MEDIA_BASE_URL"], variant


def _pages(variant: tuple) -> OrderedDict:
    return app_cache("widget.personal_pages" if variant else "widget.pages", OrderedDict, catalogue=True)


def requested_theme(args) -> str:
    """The theme a picker URL asks for (the manager's ?theme=$theme, or MSC2873's client theme);
    the only query parameter the page depends on besides the token (app.widget.fast_path)."""
    return theme_name(args.get("theme") or args.get("org.matrix.msc2873.client_theme"))


def picker_page(*, keys: list[tuple[int, int]], theme: str, cacheable: bool, eager_taken: int = 0,
                variant: tuple = (), late_context: Callable[[], dict] | None = None, **context) -> Page:
    """The page for these packs; `eager_taken` first-screen stickers are already above them (favourites).

    A cacheable page is kept under its packs' (id, revision), theme, media base and `variant`
    (whatever else it depends on: a personal page's favourites); `late_context()` adds template
    context only when the page is rendered, not when it comes from the cache."""
    pages = _pages(variant)
    cache_key = _cache_key(keys, theme, variant) if cacheable else None
    if cache_key is not None and cache_key in pages:
        pages.move_to_end(cache_key)
        return pages[cache_key]
    if late_context is not None:
        context.update(late_context())
    html = render_template("widget/picker.html", packs=rendered_packs(keys, eager=max(0, EAGER_STICKERS - eager_taken)),
                           theme=theme, **context)
    body = html.encode("utf-8")
    page = Page(etag=hashlib.sha256(body).hexdigest()[:32], body=body,
                gzipped=gzip.compress(body, 6, mtime=0))
    if cache_key is not None:
        pages[cache_key] = page
        while len(pages) > _MAX_PAGES:
            pages.popitem(last=False)
    return page
