"""Telegram animated stickers (.tgs: gzipped Lottie JSON) rendered with rlottie.

Everything that decides the cost of rendering (decompressed size, canvas, frame rate, frame
count, duration) is checked on the JSON before rlottie sees it: a small .tgs can describe a
canvas of a billion pixels or a million frames. Lottie image assets that point at files are
refused, since rlottie would read them from this machine's disk.
"""
from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterator

from rlottie_python import LottieAnimation

from app.exceptions import ImportFailed
from app.packs.frames import AnimationLimits, RawFrame, duration_ms

GZIP_MAGIC = b"\x1f\x8b"
MAX_JSON_BYTES = 4 * 1024 * 1024  # Telegram's own limit is 64 KiB gzipped
MAX_SOURCE_FPS = 240
REQUIRED_KEYS = ("fr", "ip", "op", "w", "h", "layers")
MAX_NODES = 150_000  # JSON objects and arrays; Telegram's 64 KiB stickers hold a few thousand
MAX_REPEATED_COPIES = 1000  # repeaters ("ty": "rp") multiply the shapes drawn per frame: their product
MAX_EXPANDED_LAYERS = 5000  # layers drawn per frame once precomps (refId) are expanded


def is_gzip(data: bytes) -> bool:
    return data[:2] == GZIP_MAGIC


def render(data: bytes, *, name: str, side: int, limits: AnimationLimits) -> Iterator[RawFrame]:
    """Frames of the animation fitted into `side` px; ImportFailed naming `name` otherwise."""
    if not is_gzip(data):
        raise ImportFailed(f"{name}: a .tgs sticker must be gzipped Lottie JSON, but this file is not gzip.")
    text = gunzip_bounded(data, name=name, limit=MAX_JSON_BYTES)
    document = _parse(text, name)
    width, height, fps, first, last = _check(document, name, limits)
    out_width, out_height = _fit(width, height, side)
    step = max(1, math.ceil(fps / limits.max_fps))  # 60 fps sources render every other frame
    count = math.ceil((last - first) / step)
    _check_output(count, out_width * out_height, name, limits)
    animation = LottieAnimation.from_data(text.decode("utf-8"))
    if animation.lottie_animation_get_totalframe() < 1:
        raise ImportFailed(f"{name}: rlottie could not read this Lottie animation.")
    stride = out_width * 4
    for index in range(count):
        start, end = index * step / fps, min((index + 1) * step, last - first) / fps
        pixels = animation.lottie_animation_render(frame_num=index * step, width=out_width,
                                                   height=out_height, bytes_per_line=stride)
        yield RawFrame(pixels=pixels, width=out_width, height=out_height, stride=stride, rawmode="BGRa",
                       duration_ms=duration_ms(start, end))


def gunzip_bounded(data: bytes, *, name: str, limit: int) -> bytes:
    """Decompress at most `limit` bytes: a gzip bomb stops at the cap, not in memory."""
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        text = decompressor.decompress(data, limit + 1)
    except zlib.error as error:
        raise ImportFailed(f"{name}: the gzip data is broken ({error}).") from None
    if len(text) > limit:
        raise ImportFailed(f"{name}: decompresses to more than {limit} bytes of Lottie JSON "
                           "(decompression bomb?).")
    if not decompressor.eof:
        raise ImportFailed(f"{name}: the gzip data is truncated.")
    return text


def _parse(text: bytes, name: str) -> dict:
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ImportFailed(f"{name}: the gzip file does not hold Lottie JSON (it is not valid JSON).") from None
    if not isinstance(document, dict) or any(key not in document for key in REQUIRED_KEYS):
        raise ImportFailed(f"{name}: the gzip file does not hold Lottie JSON "
                           f"(a Lottie animation has {', '.join(REQUIRED_KEYS)}).")
    if not isinstance(document["layers"], list):
        raise ImportFailed(f"{name}: not Lottie JSON: 'layers' must be a list.")
    _refuse_file_assets(document, name)
    _refuse_costly_shapes(document, name)
    return document


def _refuse_file_assets(document: dict, name: str) -> None:
    assets = document.get("assets", [])
    for asset in assets if isinstance(assets, list) else [assets]:
        path = asset.get("p") if isinstance(asset, dict) else None
        if isinstance(path, str) and not path.startswith("data:"):
            raise ImportFailed(f"{name}: the animation refers to an image file ({path[:60]!r}); "
                               "only embedded images are accepted.")


def _refuse_costly_shapes(document: dict, name: str) -> None:
    """Rendering cost grows with the number of shapes, repeaters' copies and precomp nesting."""
    nodes, copies, pending = 0, 1.0, [document]
    while pending:
        node = pending.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ImportFailed(f"{name}: the animation has more than {MAX_NODES} JSON objects (Lottie bomb?).")
        children = node.values() if isinstance(node, dict) else node
        pending.extend(child for child in children if isinstance(child, (dict, list)))
        if isinstance(node, dict) and node.get("ty") == "rp":
            copies *= max([1.0, *_numbers(node.get("c"))])
            if copies > MAX_REPEATED_COPIES:
                raise ImportFailed(f"{name}: its repeaters draw up to {copies:g} copies of a shape; the limit is "
                                   f"{MAX_REPEATED_COPIES} (Lottie bomb?).")
    layers = _expanded_layers(document, name)
    if layers > MAX_EXPANDED_LAYERS:
        raise ImportFailed(f"{name}: its precomps expand to {layers} layers; the limit is {MAX_EXPANDED_LAYERS} "
                           "(Lottie bomb?).")


def _expanded_layers(document: dict, name: str) -> int:
    """Layers drawn per frame, each precomp counted once per use; a precomp that uses itself is refused."""
    assets = document.get("assets") if isinstance(document.get("assets"), list) else []
    precomps = {asset["id"]: asset["layers"] for asset in assets if isinstance(asset, dict)
                and isinstance(asset.get("id"), str) and isinstance(asset.get("layers"), list)}
    totals: dict[str, int] = {}

    def count(layers: list, trail: frozenset) -> int:
        total = 0
        for layer in layers:
            ref = layer.get("refId") if isinstance(layer, dict) else None
            if ref in trail:
                raise ImportFailed(f"{name}: the precomp {ref!r} contains itself.")
            if ref in precomps and ref not in totals:
                totals[ref] = count(precomps[ref], trail | {ref})
            total += 1 + totals.get(ref, 0)
        return min(total, MAX_EXPANDED_LAYERS + 1)

    try:
        return count(document["layers"], frozenset())
    except RecursionError:
        raise ImportFailed(f"{name}: its precomps are nested too deeply.") from None


def _numbers(value) -> list[float]:
    """Every number in a (possibly animated) Lottie property."""
    found, pending = [], [value]
    while pending:
        item = pending.pop()
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            found.append(abs(float(item)))
        elif isinstance(item, (dict, list)):
            pending.extend(item.values() if isinstance(item, dict) else item)
    return found


def _check(document: dict, name: str, limits: AnimationLimits):
    width, height, fps, first, last = (_number(document, key, name) for key in ("w", "h", "fr", "ip", "op"))
    if width < 1 or height < 1 or width * height > limits.max_pixels:
        raise ImportFailed(f"{name}: a Lottie canvas of {width:g}x{height:g} exceeds the limit of "
                           f"{limits.max_pixels} pixels (Lottie bomb?).")
    if not 1 <= fps <= MAX_SOURCE_FPS:
        raise ImportFailed(f"{name}: a frame rate of {fps:g} fps is outside 1 to {MAX_SOURCE_FPS}.")
    if last <= first:
        raise ImportFailed(f"{name}: the animation has no frames (out point {last:g} <= in point {first:g}).")
    seconds = (last - first) / fps
    if seconds > limits.max_seconds:
        raise ImportFailed(f"{name}: {last - first:g} frames at {fps:g} fps last {seconds:g} s; the limit is "
                           f"{limits.max_seconds:g} s (Lottie bomb?).")
    return round(width), round(height), fps, first, last


def _number(document: dict, key: str, name: str) -> float:
    value = document[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ImportFailed(f"{name}: not Lottie JSON: {key!r} must be a number.")
    return float(value)


def _fit(width: int, height: int, side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _check_output(count: int, pixels: int, name: str, limits: AnimationLimits) -> None:
    if count > limits.max_frames:
        raise ImportFailed(f"{name}: {count} frames (at up to {limits.max_fps} fps) exceeds the limit of "
                           f"{limits.max_frames}.")
    if count * pixels > limits.max_total_pixels:
        raise ImportFailed(f"{name}: {count} frames of {pixels} pixels is too much animation; the limit is "
                           f"{limits.max_total_pixels} pixels over all frames.")
