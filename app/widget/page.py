"""The picker page as bytes, with a whole-page cache for the anonymous picker."""
from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, render_template

from app.packs.catalogue import forget_pack_keys
from app.widget import render
from app.widget.render import rendered_packs

_pages: OrderedDict = OrderedDict()
_MAX_PAGES = 64


@dataclass(frozen=True)
class Page:
    etag: str
    body: bytes
    gzipped: bytes


def clear_caches() -> None:
    """Forget rendered pages and sections.

    Keys are (pack id, revision): only a database whose ids are reused (emptied between
    tests, or a deleted pack's id handed out again) needs this.
    """
    _pages.clear()
    render.clear_cache()
    forget_pack_keys()


def theme_name(raw: str | None) -> str:
    """Element sends effective theme names (light, dark, light-high-contrast, custom-…);
    Android forks such as SchildiChat send "black"."""
    return "dark" if raw and ("dark" in raw.lower() or "black" in raw.lower()) else "light"


def picker_page(*, keys: list[tuple[int, int]], theme: str, cacheable: bool, **context) -> Page:
    cache_key = (tuple(keys), theme, current_app.config["MEDIA_BASE_URL"]) if cacheable else None
    if cache_key is not None and cache_key in _pages:
        _pages.move_to_end(cache_key)
        return _pages[cache_key]
    html = render_template("widget/picker.html", packs=rendered_packs(keys), theme=theme, **context)
    body = html.encode("utf-8")
    page = Page(etag=hashlib.sha256(body).hexdigest()[:32], body=body,
                gzipped=gzip.compress(body, 6, mtime=0))
    if cache_key is not None:
        _pages[cache_key] = page
        while len(_pages) > _MAX_PAGES:
            _pages.popitem(last=False)
    return page
