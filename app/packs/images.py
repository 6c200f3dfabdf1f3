"""Image validation and normalisation with Pillow: allowlist, limits, re-encode, thumbnails."""
from __future__ import annotations

import codecs
import io
import warnings
from dataclasses import dataclass

import imagehash
from PIL import Image, ImageSequence, UnidentifiedImageError

from app.exceptions import ImportFailed

ALLOWED_FORMATS = ("PNG", "WEBP", "GIF", "JPEG")
MAX_SIDE = 512  # stored sticker size; clients display at most 256 CSS px
THUMB_SIDE = 128  # picker previews, shown at 64 CSS px (sharp on 2x screens)
MAX_FRAMES = 200
# Decoded pixels over all frames: the per-frame limit alone lets a small GIF of 200 large
# frames claim gigabytes of memory.
MAX_TOTAL_PIXELS = 64 * 1024 * 1024


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
    with warnings.catch_warnings():
        # Pillow warns before it raises on huge images; treat the warning as the error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as img:
                _check_limits(img, name=name, max_pixels=max_pixels)
                frames, durations, loop = _load_frames(img, name=name)
                source_format = img.format
        except UnidentifiedImageError:  # its message names a BytesIO object, not the file
            raise ImportFailed(f"{name}: not an accepted image (PNG, WebP, GIF or JPEG): "
                               f"{describe_content(data)}.") from None
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise ImportFailed(f"{name}: not an accepted image (PNG, WebP, GIF or JPEG): {error}") from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise ImportFailed(f"{name}: the image is broken or truncated ({error}).") from None
    image = _encode(frames, durations, loop, source_format, MAX_SIDE)
    thumbnail = _encode(frames, durations, loop, "WEBP", THUMB_SIDE, thumbnail=True)
    poster = _encode(frames[:1], durations[:1], loop, "WEBP", THUMB_SIDE, thumbnail=True) if len(frames) > 1 else None
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

