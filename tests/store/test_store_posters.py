"""Animated stickers in the web store: a still poster, the animation only on hover or keyboard focus,
and never when the visitor asks for reduced motion."""
from __future__ import annotations

import pytest

from app.models import Sticker
from app.extensions import db
from tests.factories import imported_pack
from tests.support.packs import animated_bytes
from tests.test_accessibility import axe_violations, describe

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def packs(app, tmp_path):
    imported_pack(tmp_path / "spin", "spinners", name="Spinners", bodies=["Spin", "Turn"],
                  images={"spin.gif": animated_bytes("GIF"), "turn.webp": animated_bytes("WEBP")})
    imported_pack(tmp_path / "still", "stills", name="Stills", bodies=["Dot"])
    return {sticker.key: sticker for sticker in db.session.scalars(db.select(Sticker))}


def test_animated_stickers_show_their_poster_with_the_animation_as_a_decorative_layer(client, packs):
    spin = packs["spin.gif"]
    poster = f'<img class="still" src="/media/{spin.poster_sha256}.webp"'
    motion = f'<img class="motion" src="/media/{spin.thumb_sha256}.webp" alt="" aria-hidden="true"'
    for path, alt in (("/packs", ""), ("/packs/spinners", "Spin")):
        html = client.get(path).get_data(as_text=True)
        assert f'{poster} alt="{alt}"' in html and motion in html
    still = client.get("/packs/stills").get_data(as_text=True)
    assert f'class="still" src="/media/{packs["0.png"].thumb_sha256}.webp"' in still
    assert 'class="motion"' not in still and "tabindex" not in still


def open_store(chromium, url: str, **options):
    context = chromium.new_context(viewport=DESKTOP, bypass_csp=True, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    return context, page, requested


@pytest.mark.browser
def test_hover_and_keyboard_focus_play_the_animation(chromium, live_server, packs):
    animated = f"/media/{packs['spin.gif'].thumb_sha256}.webp"
    context, page, requested = open_store(chromium, live_server.url + "/packs")
    try:
        card = page.locator('.pack-card[data-pack="spinners"]')
        motion = card.locator("img.motion").first
        assert card.locator("img.still").first.is_visible() and not motion.is_visible()
        assert not any(url.endswith(animated) for url in requested)  # lazy: not fetched before it is shown
        card.hover()
        motion.wait_for(state="visible")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=motion.element_handle())
        assert not card.locator("img.still").first.is_visible()
        page.mouse.move(1270, 890)
        motion.wait_for(state="hidden")
        card.locator(".pack-link").focus()
        motion.wait_for(state="visible")
        page.goto(live_server.url + "/packs/spinners")
        grid_motion = page.locator(".sticker-grid img.motion").first
        assert not grid_motion.is_visible()
        page.locator(".sticker-grid").focus()
        grid_motion.wait_for(state="visible")
    finally:
        context.close()


@pytest.mark.browser
def test_reduced_motion_keeps_the_poster(chromium, live_server, packs):
    context, page, requested = open_store(chromium, live_server.url + "/packs", reduced_motion="reduce")
    try:
        card = page.locator('.pack-card[data-pack="spinners"]')
        card.hover()
        card.locator(".pack-link").focus()
        page.wait_for_timeout(300)
        assert card.locator("img.still").first.is_visible() and not card.locator("img.motion").first.is_visible()
        assert not any(f"/media/{packs['spin.gif'].thumb_sha256}" in url for url in requested)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/packs", "/packs/spinners"])
def test_store_pages_with_animated_stickers_have_no_axe_violations(chromium, live_server, packs, path):
    context, page, _ = open_store(chromium, live_server.url + path)
    try:
        violations = axe_violations(page)
        assert not violations, describe(violations)
    finally:
        context.close()
