"""Telegram sticker files made by the tests: .tgs (gzipped Lottie JSON written here), .webm (VP9
encoded here with PyAV, with alpha), and Telegram Desktop chat exports around them."""
from __future__ import annotations

import gzip
import io
import json
from fractions import Fraction
from pathlib import Path

import av

SIDE = 512


def lottie_document(*, frames: int = 60, fps: float = 60, width: int = SIDE, height: int = SIDE,
                    colour=(0.9, 0.2, 0.3)) -> dict:
    """A rounded square moving left to right over a transparent canvas."""
    static = lambda value: {"a": 0, "k": value}  # noqa: E731
    moving = {"a": 1, "k": [{"t": 0, "s": [width * 0.25, height / 2, 0], "i": {"x": [0.5], "y": [0.5]},
                             "o": {"x": [0.5], "y": [0.5]}},
                            {"t": frames, "s": [width * 0.75, height / 2, 0]}]}
    box = [{"ty": "rc", "d": 1, "s": static([width * 0.3, height * 0.3]), "p": static([0, 0]), "r": static(20)},
           {"ty": "fl", "c": static([*colour, 1]), "o": static(100), "r": 1},
           {"ty": "tr", "p": static([0, 0]), "a": static([0, 0]), "s": static([100, 100]), "r": static(0),
            "o": static(100)}]
    layer = {"ddd": 0, "ind": 1, "ty": 4, "nm": "box", "sr": 1, "ao": 0, "ip": 0, "op": frames, "st": 0, "bm": 0,
             "ks": {"o": static(100), "r": static(0), "p": moving, "a": static([0, 0, 0]),
                    "s": static([100, 100, 100])},
             "shapes": [{"ty": "gr", "it": box}]}
    return {"v": "5.5.2", "fr": fps, "ip": 0, "op": frames, "w": width, "h": height, "nm": "test", "ddd": 0,
            "assets": [], "layers": [layer]}


def tgs_bytes(document: dict | None = None, **options) -> bytes:
    return gzip.compress(json.dumps(document or lottie_document(**options)).encode(), mtime=0)


def webm_bytes(*, frames: int = 12, fps: int = 30, side: int = 128, alpha: bool = True, audio: bool = False,
               codec: str = "libvpx-vp9", seed: int = 0, container_format: str = "webm") -> bytes:
    """A VP9 (or VP8: codec="libvpx") clip of a square moving over a transparent background; other
    codecs need container_format="matroska"."""
    out = io.BytesIO()
    with av.open(out, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width = stream.height = side
        stream.pix_fmt = "yuva420p" if alpha else "yuv420p"
        sound = container.add_stream("libopus", rate=48000) if audio else None
        for index in range(frames):
            left = (index * side // (2 * frames) + seed) % (side // 2)
            container.mux(stream.encode(_frame(side, left, alpha, index, fps)))
        container.mux(stream.encode())
        if sound is not None:
            _add_silence(container, sound, seconds=frames / fps)
    return out.getvalue()


def _frame(side: int, left: int, alpha: bool, index: int, fps: int) -> av.VideoFrame:
    """A square (rows side/4 to side/2, columns left to left+side/2) on a clear or black background."""
    background = bytes(4) if alpha else b"\0\0\0\xff"
    row = bytearray(background * side)
    row[left * 4:(left + side // 2) * 4] = b"\x28\xc8\x5a\xff" * (side // 2)
    pixels = background * side * (side // 4) + bytes(row) * (side // 4) + background * side * (side - side // 2)
    frame = av.VideoFrame(side, side, "rgba")
    assert frame.planes[0].line_size == side * 4
    frame.planes[0].update(pixels)
    frame.pts, frame.time_base = index, Fraction(1, fps)
    return frame


def _add_silence(container, stream, *, seconds: float) -> None:
    samples = int(48000 * seconds)
    frame = av.AudioFrame(format="flt", layout="mono", samples=samples)
    frame.planes[0].update(bytes(frame.planes[0].buffer_size))
    frame.sample_rate, frame.pts = 48000, 0
    container.mux(stream.encode(frame))
    container.mux(stream.encode())


def telegram_export(folder: Path, stickers: list[tuple[str, bytes, str]], *, chat: str = "Sticker friends",
                    extra_messages: list[dict] | None = None) -> Path:
    """A Telegram Desktop chat export: result.json and stickers/<name>; (name, bytes, emoji)."""
    (folder / "stickers").mkdir(parents=True, exist_ok=True)
    messages = [{"id": 1, "type": "service", "date": "2026-11-30T10:00:00", "action": "create_group", "text": ""},
                {"id": 2, "type": "message", "date": "2026-11-30T10:01:00", "from": "Ann", "text": "hello"}]
    for index, (name, data, emoji) in enumerate(stickers, start=3):
        (folder / "stickers" / name).write_bytes(data)
        messages.append({"id": index, "type": "message", "date": "2026-11-30T10:02:00", "from": "Ann",
                         "file": f"stickers/{name}", "thumbnail": f"stickers/{name}_thumb.jpg",
                         "media_type": "sticker", "sticker_emoji": emoji, "width": SIDE, "height": SIDE,
                         "text": "", "text_entities": []})
    messages.extend(extra_messages or [])
    result = {"name": chat, "type": "private_group", "id": 4242, "messages": messages}
    (folder / "result.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return folder


def webp_chunks(data: bytes) -> list[str]:
    """The RIFF chunk names of a WebP file, in order (ANIM and ANMF mark an animation)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", data[:16]
    names, offset = [], 12
    while offset + 8 <= len(data):
        name, size = data[offset:offset + 4].decode("ascii"), int.from_bytes(data[offset + 4:offset + 8], "little")
        names.append(name)
        offset += 8 + size + (size & 1)
    return names
