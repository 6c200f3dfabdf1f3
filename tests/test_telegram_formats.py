"""Telegram's sticker formats through the image normaliser and `packs import`: .tgs (gzipped
Lottie, rendered with rlottie) and .webm (VP9 with alpha, decoded with libvpx through PyAV)
become animated WebP; bombs, sound and oversized files are refused with the reason."""
from __future__ import annotations

import gzip
import io
import json
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.exceptions import ImportFailed
from app.extensions import db
from app.models import Blob, Pack, Sticker
from app.packs.images import MAX_FRAMES, normalise
from app.packs.importer import import_path
from app.packs.lottie import MAX_JSON_BYTES
from tests.factories import write_pack
from tests.support.telegram import lottie_document, tgs_bytes, webm_bytes, webp_chunks

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 2048 * 2048}


def frames_of(data: bytes) -> list[Image.Image]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP"
        frames = []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(image.convert("RGBA"))
        return frames


def assert_animated_with_alpha(data: bytes, *, box_at: tuple[int, int]) -> list[Image.Image]:
    """An animated WebP whose frames differ, transparent in the corner, opaque on the moving box."""
    chunks = webp_chunks(data)
    assert "ANIM" in chunks and chunks.count("ANMF") > 1, chunks
    frames = frames_of(data)
    assert len(frames) > 1
    assert len({frame.tobytes() for frame in frames}) > 1  # it moves
    assert all(frame.getpixel((1, 1))[3] == 0 for frame in frames)  # transparency kept
    assert any(frame.getpixel(box_at)[3] == 255 for frame in frames)
    return frames


# -- .tgs --------------------------------------------------------------------------------------------
def test_tgs_renders_to_an_animated_webp_with_transparency():
    sticker = normalise(tgs_bytes(frames=60, fps=60), name="AnimatedSticker.tgs", **LIMITS)

    assert (sticker.image.mimetype, sticker.image.width, sticker.image.height) == ("image/webp", 512, 512)
    frames = assert_animated_with_alpha(sticker.image.data, box_at=(256, 256))
    assert len(frames) == 30  # 60 fps is rendered at 30: every other frame, 2 s in all
    assert frames[0].getpixel((128, 256))[:3] == pytest.approx((230, 51, 77), abs=12)  # the red box, left
    assert frames[0].getpixel((400, 256))[3] == 0 and frames[-1].getpixel((380, 256))[3] == 255
    assert "ANMF" in webp_chunks(sticker.thumbnail.data) and sticker.thumbnail.width == 128
    assert sticker.poster is not None and "ANMF" not in webp_chunks(sticker.poster.data)


def test_tgs_canvas_is_fitted_into_512_pixels():
    sticker = normalise(tgs_bytes(frames=4, fps=30, width=1024, height=512), name="wide.tgs", **LIMITS)
    assert (sticker.image.width, sticker.image.height) == (512, 256)


@pytest.mark.parametrize("data, reason", [
    (b"\x89PNG not gzip at all", "must be gzipped Lottie JSON, but this file is not gzip"),
    (json.dumps(lottie_document()).encode(), "not gzip"),  # plain Lottie JSON, not gzipped
    (gzip.compress(b"this is text"), "does not hold Lottie JSON (it is not valid JSON)"),
    (gzip.compress(b'{"hello": "world"}'), "does not hold Lottie JSON (a Lottie animation has fr, ip, op"),
    (gzip.compress(json.dumps(lottie_document())[:-40].encode()), "not valid JSON"),
    (tgs_bytes()[:-12], "truncated"),
])
def test_bad_tgs_is_refused_naming_the_file(data, reason):
    with pytest.raises(ImportFailed) as caught:
        normalise(data, name="stickers/bad.tgs", **LIMITS)
    assert caught.value.message.startswith("stickers/bad.tgs: ")
    assert reason in caught.value.message


@pytest.mark.parametrize("document, reason", [
    (lottie_document(width=100_000, height=100_000), "Lottie canvas of 100000x100000 exceeds"),
    (lottie_document(frames=10_000_000, fps=60), "the limit is 10 s (Lottie bomb?)"),
    (lottie_document(frames=600, fps=1), "the limit is 10 s"),
    (lottie_document(frames=300, fps=30), f"300 frames (at up to 30 fps) exceeds the limit of {MAX_FRAMES}"),
    (lottie_document(fps=100_000), "frame rate of 100000 fps"),
    (lottie_document(frames=0), "has no frames"),
    ({**lottie_document(), "w": "512"}, "'w' must be a number"),
    ({**lottie_document(), "layers": [{"ty": 4, "shapes": [{"ty": "rp", "c": {"a": 0, "k": 1e9}}]}]},
     "repeaters draw up to 1e+09 copies of a shape; the limit is 1000"),
    ({**lottie_document(), "layers": [{"ty": 4, "shapes": [{"ty": "rp", "c": {"a": 1, "k": [{"t": 0, "s": [5000]}]}}]}]},
     "repeaters draw up to 5000 copies"),
    ({**lottie_document(), "layers": [{"ty": 4, "shapes": [{"ty": "rp", "c": {"a": 0, "k": 40}}] * 2}]},
     "repeaters draw up to 1600 copies"),  # copies multiply
    ({**lottie_document(), "layers": [[] for _ in range(200_000)]}, "more than 150000 JSON objects"),
    ({**lottie_document(), "assets": [{"id": "a", "layers": [{"ty": 0, "refId": "b"}]},
                                      {"id": "b", "layers": [{"ty": 0, "refId": "a"}]}],
      "layers": [{"ty": 0, "refId": "a"}]}, "the precomp 'a' contains itself"),
    ({**lottie_document(), "assets": [{"id": f"p{level}", "layers": [{"ty": 0, "refId": f"p{level + 1}"}] * 10}
                                      for level in range(6)], "layers": [{"ty": 0, "refId": "p0"}]},
     "its precomps expand to 5001 layers; the limit is 5000"),
    ({**lottie_document(), "assets": [{"id": "img", "w": 8, "h": 8, "u": "/etc/", "p": "passwd"}]},
     "refers to an image file ('passwd')"),
])
def test_lottie_bombs_and_tricks_are_refused_before_rendering(document, reason):
    with pytest.raises(ImportFailed) as caught:
        normalise(tgs_bytes(document), name="bomb.tgs", **LIMITS)
    assert caught.value.message.startswith("bomb.tgs: ") and reason in caught.value.message


def test_gzip_bomb_stops_at_the_cap():
    bomb = gzip.compress(b'{"layers": [' + b" " * (MAX_JSON_BYTES * 4) + b"]}")
    assert len(bomb) < LIMITS["max_bytes"] // 100
    with pytest.raises(ImportFailed) as caught:
        normalise(bomb, name="bomb.tgs", **LIMITS)
    assert f"decompresses to more than {MAX_JSON_BYTES} bytes" in caught.value.message


# -- .webm -------------------------------------------------------------------------------------------
def test_vp9_webm_with_alpha_becomes_an_animated_webp_with_transparency():
    sticker = normalise(webm_bytes(frames=12, fps=30, side=128), name="sticker.webm", **LIMITS)

    assert (sticker.image.mimetype, sticker.image.width) == ("image/webp", 128)
    frames = assert_animated_with_alpha(sticker.image.data, box_at=(40, 48))
    assert len(frames) == 12
    assert frames[0].getpixel((40, 48))[:3] == pytest.approx((40, 200, 90), abs=12)
    assert sticker.poster is not None


def test_webm_over_30_fps_keeps_30_frames_a_second():
    frames = frames_of(normalise(webm_bytes(frames=20, fps=60), name="fast.webm", **LIMITS).image.data)
    assert len(frames) == 10


def test_vp8_webm_is_accepted_too():
    frames = frames_of(normalise(webm_bytes(codec="libvpx", alpha=False), name="old.webm", **LIMITS).image.data)
    assert len(frames) == 12 and frames[0].getpixel((1, 1))[3] == 255


@pytest.mark.parametrize("data, limits, reason", [
    (webm_bytes(audio=True), LIMITS, "has an audio track; stickers are silent"),
    (webm_bytes(codec="ffv1", alpha=False, container_format="matroska"), LIMITS,
     "the video is ffv1; only VP9 (or VP8) WebM stickers are accepted"),
    (webm_bytes(frames=330, side=64), LIMITS, "lasts 11 s; the limit is 10 s"),
    (webm_bytes(frames=210, side=64), LIMITS, f"more than {MAX_FRAMES} frames"),
    (webm_bytes(side=256), {**LIMITS, "max_pixels": 128 * 128}, "256x256 pixels exceeds the limit"),
    (webm_bytes(), {**LIMITS, "max_bytes": 1000}, "the limit is 1000"),
    (b"not a video", LIMITS, "a .webm sticker must be a WebM video, but this file is not one"),
    (webm_bytes()[:1000], LIMITS, "the video is truncated: its frames end at 0.20 s of 0.40 s"),
    (webm_bytes()[:300], LIMITS, "sticker.webm: "),
])
def test_bad_webm_is_refused_naming_the_file(data, limits, reason):
    with pytest.raises(ImportFailed) as caught:
        normalise(data, name="sticker.webm", **limits)
    assert caught.value.message.startswith("sticker.webm: ") and reason in caught.value.message


# -- through the importer -------------------------------------------------------------------------------
def test_pack_with_tgs_and_webm_imports_animated_with_emoji_from_the_manifest(app, runner, tmp_path):
    folder = write_pack(tmp_path / "tg", "tg", images={"hop.tgs": tgs_bytes(frames=30, fps=30),
                                                        "wave.webm": webm_bytes(), "still.png": _png()})
    manifest = json.loads((folder / "pack.json").read_text())
    for sticker, emoji in zip(manifest["stickers"], ["🐸", "👋", "🙂"]):
        sticker["emoji"] = emoji
    (folder / "pack.json").write_text(json.dumps(manifest))

    result = runner.invoke(args=["packs", "import", str(folder)])

    assert result.exit_code == 0, result.output
    assert "Pack tg: created, 3 stickers." in result.output
    stickers = {s.key: s for s in db.session.scalars(select(Sticker))}
    assert [stickers[k].emoji for k in ("hop.tgs", "wave.webm", "still.png")] == ["🐸", "👋", "🙂"]
    for key in ("hop.tgs", "wave.webm"):
        sticker = stickers[key]
        assert sticker.mimetype == "image/webp" and sticker.poster_sha256 is not None
        assert "ANMF" in webp_chunks(db.session.get(Blob, sticker.image_sha256).data)
        assert "ANMF" in webp_chunks(db.session.get(Blob, sticker.thumb_sha256).data)
    assert stickers["still.png"].mimetype == "image/png" and stickers["still.png"].poster_sha256 is None


def test_one_bad_telegram_file_leaves_nothing_behind(app, tmp_path):
    folder = write_pack(tmp_path / "tg", "tg", images={"good.tgs": tgs_bytes(frames=10, fps=30),
                                                        "loud.webm": webm_bytes(audio=True)})
    with pytest.raises(ImportFailed) as caught:
        import_path(str(folder))
    assert "pack 'tg': loud.webm: the video has an audio track" in caught.value.message
    db.session.rollback()
    assert [db.session.scalar(select(func.count()).select_from(model)) for model in (Pack, Sticker, Blob)] == [0, 0, 0]
    cache = app.config["MEDIA_CACHE_DIR"]
    assert not os.path.exists(cache) or not os.listdir(cache)


def _png() -> bytes:
    from tests.support.packs import png_bytes
    return png_bytes()
