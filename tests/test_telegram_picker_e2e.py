"""Converted Telegram stickers in the picker, in real Chromium: the .tgs and .webm a creator
brings are shown animated (Chromium's own decoder reports several frames) and transparent."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Sticker
from tests.support.packs import png_bytes
from tests.support.telegram import telegram_export, tgs_bytes, webm_bytes
from app.media.urls import media_url
from tests.support.wait import wait_for_js

# Decode an image with Chromium's ImageDecoder: frame count, size and a corner's alpha in frame 1.
# A first-screen still is a data: URI in the page (the page's CSP would refuse fetching it).
INSPECT = """async (url) => {
  const data = url.startsWith("data:") ? Uint8Array.from(atob(url.split(",")[1]), (c) => c.charCodeAt(0)).buffer
    : await (await fetch(url)).arrayBuffer();
  const decoder = new ImageDecoder({data, type: "image/webp"});
  await decoder.tracks.ready;
  const track = decoder.tracks.selectedTrack;
  const {image} = await decoder.decode({frameIndex: 0});
  const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const alpha = (x, y) => context.getImageData(x, y, 1, 1).data[3];
  const result = {animated: track.animated, frames: track.frameCount, type: decoder.type,
                  width: image.displayWidth, corner: alpha(1, 1)};
  image.close();
  return result;
}"""


@pytest.mark.browser
def test_tgs_and_webm_stickers_show_animated_in_the_picker(browser_page, live_server, runner, tmp_path):
    export = telegram_export(tmp_path / "export", [("AnimatedSticker.tgs", tgs_bytes(frames=30, fps=30), "🐸"),
                                                   ("sticker.webm", webm_bytes(frames=10), "👋"),
                                                   ("sticker.webp", png_bytes(), "👍")], chat="Frog Friends")
    imported = runner.invoke(args=["packs", "import", str(export)])
    assert imported.exit_code == 0, imported.output
    stickers = {s.emoji: s for s in db.session.scalars(select(Sticker))}

    page = browser_page
    page.goto(live_server.url + "/api/widgets/stickerpicker?theme=light")
    found = {}
    for emoji, sticker in stickers.items():
        img = page.locator(f'button[data-sticker-id="{sticker.id}"] img')
        assert img.get_attribute("alt") == emoji
        wait_for_js(page, f"(() => {{ const i = document.querySelector('button[data-sticker-id=\"{sticker.id}\"] img');"
                          " return i.complete && i.naturalWidth > 0; })()")
        found[emoji] = page.evaluate(INSPECT, img.evaluate("i => i.currentSrc"))

    assert found["🐸"] == {"animated": True, "frames": 30, "type": "image/webp", "width": 128, "corner": 0}, found
    assert found["👋"] == {"animated": True, "frames": 10, "type": "image/webp", "width": 128, "corner": 0}, found
    assert found["👍"]["animated"] is False and found["👍"]["frames"] == 1  # a still sticker stays still
    # What the sticker sends (uploaded to the homeserver as is): the full-size animated WebP.
    for emoji, frames in (("🐸", 30), ("👋", 10)):
        url = media_url(stickers[emoji].image_sha256, stickers[emoji].mimetype)
        sent = page.evaluate(INSPECT, url if url.startswith("http") else live_server.url + url)
        assert sent == {"animated": True, "frames": frames, "type": "image/webp",
                        "width": 512 if emoji == "🐸" else 128, "corner": 0}, sent
    page.screenshot(path=str(tmp_path / "picker.png"))
    print(json.dumps(found))
