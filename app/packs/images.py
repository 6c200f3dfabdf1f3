"""Image validation and normalisation with Pillow: allowlist, limits, re-encode, thumbnails.

Telegram's animated formats are decoded by their own gateways (app.packs.lottie for .tgs,
app.packs.video for .webm) into raw frames, which are encoded here as animated WebP.
"""
from __future__ import annotations

import codecs
import io
import warnings
from dataclasses import dataclass

import imagehash
from PIL import Image, ImageSequence, UnidentifiedImageError

from app.exceptions import ImportFailed
from app.packs import lottie, video
from app.packs.frames import AnimationLimits

ALLOWED_FORMATS = ("PNG", "WEBP", "GIF", "JPEG")  # and, converted to WebP, .tgs and .webm
# For file pickers (<input accept>) and messages; content is sniffed, never trusted by its name.
ACCEPTED_EXTENSIONS = (".png", ".webp", ".gif", ".jpg", ".jpeg", ".tgs", ".webm")
MAX_SIDE = 512  # stored sticker size; clients display at most 256 CSS px
THUMB_SIDE = 128  # picker previews, shown at 64 CSS px (sharp on 2x screens)
MAX_FRAMES = 200
# Decoded pixels over all frames: the per-frame limit alone lets a small GIF of 200 large
# frames claim gigabytes of memory.
MAX_TOTAL_PIXELS = 64 * 1024 * 1024
# Converted animations (.tgs, .webm): Telegram allows 3 s at 60 fps (Lottie) or 30 fps (video).
MAX_ANIMATION_SECONDS = 10
MAX_CONVERTED_FPS = 30


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    mimetype: str
    width: int
    height: int


@dataclass(frozen=True)
class NormalisedSticker:
    image: EncodedImage
    thumbnail: EncodedImage
    poster: EncodedImage | None  # the first frame of an animated thumbnail; None when static


def normalise(data: bytes, *, name: str, max_bytes: int, max_pixels: int) -> NormalisedSticker:
    """Validate an uploaded image and re-encode it and a thumbnail.

    Raises ImportFailed with a message naming `name` for anything that is not a safe,
    allowed image.
    """
    if len(data) > max_bytes:
        raise ImportFailed(f"{name}: file is {len(data)} bytes, the limit is {max_bytes}.")
    if data.lstrip()[:5] in (b"<?xml", b"<svg ") or b"<svg" in data[:512]:
        raise ImportFailed(f"{name}: SVG is not accepted; export it as PNG or WebP.")
    converted = _converted_frames(data, name=name, max_pixels=max_pixels)
    if converted is not None:
        return _normalise_converted(converted, name=name, max_bytes=max_bytes)
    with warnings.catch_warnings():
        # Pillow warns before it raises on huge images; treat the warning as the error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as img:
                _check_limits(img, name=name, max_pixels=max_pixels)
                frames, durations, loop = _load_frames(img, name=name)
                source_format = img.format
        except UnidentifiedImageError:  # its message names a BytesIO object, not the file
            raise ImportFailed(f"{name}: not an accepted image (PNG, WebP, GIF, JPEG, or Telegram .tgs or .webm): "
                               f"{describe_content(data)}.") from None
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise ImportFailed(f"{name}: not an accepted image (PNG, WebP, GIF or JPEG): {error}") from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise ImportFailed(f"{name}: the image is broken or truncated ({error}).") from None
    image = _encode(frames, durations, loop, source_format, MAX_SIDE)
    thumbnail = _encode(frames, durations, loop, "WEBP", THUMB_SIDE, thumbnail=True)
    poster = _encode(frames[:1], durations[:1], loop, "WEBP", THUMB_SIDE, thumbnail=True) if len(frames) > 1 else None
    return NormalisedSticker(image=image, thumbnail=thumbnail, poster=poster)


def _converted_frames(data: bytes, *, name: str, max_pixels: int):
    """Lazy frames of a Telegram animated format, chosen by content or (so that a refusal can say
    what is wrong with it) by name; None for everything Pillow reads."""
    limits = AnimationLimits(max_pixels=max_pixels, max_frames=MAX_FRAMES, max_total_pixels=MAX_TOTAL_PIXELS,
                             max_seconds=MAX_ANIMATION_SECONDS, max_fps=MAX_CONVERTED_FPS)
    lower = name.lower()
    if lottie.is_gzip(data) or lower.endswith(".tgs"):
        return lottie.render(data, name=name, side=MAX_SIDE, limits=limits)
    if video.is_matroska(data) or lower.endswith(".webm"):
        return video.decode(data, name=name, limits=limits)
    return None


def _normalise_converted(raw_frames, *, name: str, max_bytes: int) -> NormalisedSticker:
    """Raw frames from a converter become an animated WebP (a still one for a single frame)."""
    frames, durations = [], []
    for raw in raw_frames:  # shrink as we go: bounded memory
        frame = Image.frombuffer("RGBA", (raw.width, raw.height), raw.pixels, "raw", raw.rawmode, raw.stride, 1)
        frames.append(_fit(frame, MAX_SIDE))
        durations.append(raw.duration_ms)
    image = _encode(frames, durations, 0, "WEBP", MAX_SIDE)
    if len(image.data) > max_bytes:
        raise ImportFailed(f"{name}: converted to WebP it takes {len(image.data)} bytes, the limit is "
                           f"{max_bytes}; make it shorter or simpler.")
    thumbnail = _encode(frames, durations, 0, "WEBP", THUMB_SIDE, thumbnail=True)
    poster = _encode(frames[:1], durations[:1], 0, "WEBP", THUMB_SIDE, thumbnail=True) if len(frames) > 1 else None
    return NormalisedSticker(image=image, thumbnail=thumbnail, poster=poster)


def describe_content(data: bytes) -> str:
    """What a file that is not an accepted image holds, in words an operator can act on."""
    if not data:
        return "the file is empty"
    head = data[:512]
    try:  # incremental: a character cut at byte 512 is not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        text = None
    if text is not None and all(char.isprintable() or char in "\n\r\t" for char in text):
        return f"the file is text ({text[:24].strip()!r}...), not an image; was it renamed?"
    return f"its content is in no format Hexpack reads (it starts with {head[:8].hex(' ')})"


def _check_limits(img: Image.Image, *, name: str, max_pixels: int) -> None:
    width, height = img.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise ImportFailed(f"{name}: {width}x{height} pixels exceeds the limit of {max_pixels} pixels.")
    frames = getattr(img, "n_frames", 1)
    if frames > MAX_FRAMES:
        raise ImportFailed(f"{name}: {frames} frames exceeds the limit of {MAX_FRAMES}.")
    if width * height * frames > MAX_TOTAL_PIXELS:
        raise ImportFailed(f"{name}: {frames} frames of {width}x{height} pixels is too much animation; "
                           f"the limit is {MAX_TOTAL_PIXELS} pixels over all frames (make it smaller or shorter).")


def _load_frames(img: Image.Image, *, name: str):
    frames, durations = [], []
    for frame in ImageSequence.Iterator(img):
        frames.append(_fit(frame.convert("RGBA"), MAX_SIDE))  # shrink as we go: bounded memory
        durations.append(int(frame.info.get("duration", 100)) or 100)
    if not frames:
        raise ImportFailed(f"{name}: the image has no frames.")
    return frames, durations, int(img.info.get("loop", 0))


def _fit(frame: Image.Image, side: int) -> Image.Image:
    if max(frame.size) <= side:
        return frame
    fitted = frame.copy()
    fitted.thumbnail((side, side), Image.Resampling.LANCZOS)
    return fitted


def _encode(frames, durations, loop, fmt: str, side: int, *, thumbnail: bool = False) -> EncodedImage:
    """Re-encode from pixels only, so no metadata (EXIF, ICC, comments) survives."""
    fitted = [_fit(frame, side) for frame in frames]
    animated = len(fitted) > 1
    out = io.BytesIO()
    if fmt == "GIF" and animated:
        fitted[0].save(out, "GIF", save_all=True, append_images=fitted[1:], duration=durations,
                       loop=loop, disposal=2, optimize=True)
        mimetype = "image/gif"
    elif fmt == "WEBP" or (fmt == "GIF" and not animated and thumbnail):
        options = {"quality": 80 if thumbnail else 90, "method": 4}
        if animated:
            options.update(save_all=True, append_images=fitted[1:], duration=durations, loop=loop)
        fitted[0].save(out, "WEBP", **options)
        mimetype = "image/webp"
    elif fmt == "JPEG":
        fitted[0].convert("RGB").save(out, "JPEG", quality=90, optimize=True)
        mimetype = "image/jpeg"
    else:  # PNG, and a single-frame GIF
        fitted[0].save(out, "PNG", optimize=True)
        mimetype = "image/png"
    width, height = fitted[0].size
    return EncodedImage(data=out.getvalue(), mimetype=mimetype, width=width, height=height)


def perceptual_hash(data: bytes) -> str:
    """A 64-bit perceptual hash (16 hex digits) of an already normalised image's first frame:
    near-identical pictures differ in few bits, whatever their encoding (app/admin/review_hints.py)."""
    with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as img:
        rgba = img.convert("RGBA")
        flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        return str(imagehash.phash(flat.convert("RGB")))

