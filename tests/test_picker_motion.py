"""Animated stickers in the picker: a still poster first, the animation only once the first screen
is painted (or on hover and focus), never under prefers-reduced-motion; pack icons after the stickers."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Sticker
from app.widget.render import EAGER_STICKERS
from tests.factories import imported_pack
from tests.support.fixtures.browser import POPOVER
from tests.support.packs import animated_bytes, inline_src, png_bytes
from tests.support.wait import wait_for_js

PICKER = "/api/widgets/stickerpicker?theme=light"
ICONS_LOADED = "[...document.querySelectorAll('a.tab img')].every(i => i.complete && i.naturalWidth > 0)"


@pytest.fixture
def spin(app, tmp_path) -> Sticker:
    # More stickers than the first screen loads eagerly: the second pack's icon is only a tab icon.
    stills = EAGER_STICKERS + 3
    images = {"spin.gif": animated_bytes("GIF"), **{f"{i}.png": png_bytes(label=i) for i in range(stills)}}
    imported_pack(tmp_path / "spin", "spinners", name="Spinners", images=images,
                  bodies=["Spinning"] + [f"Still {i}" for i in range(stills)])
    imported_pack(tmp_path / "more", "more", name="More", count=30, colour=(200, 60, 60))
    return db.session.scalar(db.select(Sticker).where(Sticker.key == "spin.gif"))


def open_picker(chromium, live_server, **options):
    context = chromium.new_context(viewport=POPOVER, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    events = []  # ("request" | "finished", path) in the order the browser reported them
    path = lambda request: request.url.split("://", 1)[1].split("/", 1)[1]  # noqa: E731
    page.on("request", lambda request: events.append(("request", path(request))))
    page.on("requestfinished", lambda request: events.append(("finished", path(request))))
    page.goto(live_server.url + PICKER)
    return context, page, events


def src_of(page, body: str) -> str:
    return page.locator(f'button.s[title^="{body}"] img').first.get_attribute("src")


@pytest.mark.browser
def test_the_animation_plays_only_after_the_first_screen_and_icons_come_after_it(chromium, live_server, spin):
    poster, animation = inline_src(spin.poster_sha256), f"media/{spin.thumb_sha256}.webp"
    context, page, events = open_picker(chromium, live_server)
    try:
        wait_for_js(page, f"document.querySelector('button.s img').getAttribute('src').endsWith('{animation}')")
        wait_for_js(page, ICONS_LOADED)
        first_screen = page.evaluate("""[...document.querySelectorAll('#packs button.s img')]
            .filter(i => { const r = i.getBoundingClientRect(); return r.width > 0 && r.top < innerHeight; })
            .map(i => i.dataset.still || i.getAttribute('src'))""")
        # The first screen (the poster first) came in the page: no request of its own to wait for.
        assert len(first_screen) >= 8 and first_screen[0] == poster
        assert all(src.startswith("data:image/webp;base64,") for src in first_screen)
        icons = {icon.lstrip("/") for icon in page.evaluate(
            "[...document.querySelectorAll('a.tab img')].map(i => i.getAttribute('src'))")}
        requested = [path for kind, path in events if kind == "request"]
        assert animation in requested and icons <= set(requested)
        # Icons and the animation are the script's to load, once the first screen is painted.
        bundle = next(index for index, path in enumerate(requested) if "picker-bundle" in path)
        assert all(requested.index(path) > bundle for path in icons | {animation})
        # Asking for reduced motion later stops it at once.
        page.emulate_media(reduced_motion="reduce")
        wait_for_js(page, f"document.querySelector('button.s img').getAttribute('src') === '{poster}'")
    finally:
        context.close()


@pytest.mark.browser
def test_reduced_motion_never_loads_the_animation_even_on_hover_or_focus(chromium, live_server, spin):
    context, page, events = open_picker(chromium, live_server, reduced_motion="reduce")
    try:
        wait_for_js(page, ICONS_LOADED)  # the first screen is done: this is when it would start
        button = page.locator(f'button.s[title^="{spin.body}"]').first
        button.hover()
        button.focus()
        page.wait_for_timeout(300)
        assert src_of(page, spin.body) == inline_src(spin.poster_sha256)
        assert not any(spin.thumb_sha256 in path for _, path in events)
    finally:
        context.close()


@pytest.mark.browser
def test_without_scripts_the_first_screen_shows_posters(chromium, live_server, spin):
    context, page, events = open_picker(chromium, live_server, java_script_enabled=False)
    try:
        page.wait_for_load_state("load")
        shown = page.evaluate("""[...document.querySelectorAll('button.s img')]
            .filter(i => i.complete && i.naturalWidth > 0).map(i => i.getAttribute('src'))""")
        assert len(shown) >= 12 and shown[0] == inline_src(spin.poster_sha256)
        assert not any(spin.thumb_sha256 in path for _, path in events)
    finally:
        context.close()
