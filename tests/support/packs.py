"""Image files (Pillow) and zips for the tests; pack folders and rows are in tests/factories.py."""
from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw


def inline_src(sha256: str) -> str:
    """The data: URI the picker puts in its page for this stored (WebP) image."""
    from app.storage import read_blob

    return "data:image/webp;base64," + base64.b64encode(read_blob(sha256)).decode("ascii")


def png_bytes(colour=(40, 120, 220), size=(200, 160), *, label: int = 0, **save_options) -> bytes:
    """A small RGBA PNG; `label` draws a mark so different labels give different files."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([4, 4, size[0] - 4, size[1] - 4], fill=colour + (255,))
    draw.rectangle([10, 10, 10 + label % 50, 20 + label // 50], fill=(255, 255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG", **save_options)
    return out.getvalue()


def animated_bytes(fmt: str, frames: int = 4, size=(96, 96)) -> bytes:
    """An animated GIF or WebP whose frames differ (a moving square)."""
    images = []
    for index in range(frames):
        image = Image.new("RGBA", size, (0, 0, 0, 0))
        ImageDraw.Draw(image).rectangle([index * 10, 20, index * 10 + 30, 50], fill=(220, 60 + index * 40, 80, 255))
        images.append(image)
    out = io.BytesIO()
    options = {"save_all": True, "append_images": images[1:], "duration": 100, "loop": 0}
    if fmt == "GIF":
        options["disposal"] = 2
    images[0].save(out, fmt, **options)
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A valid PNG signature and header that claims width x height, with a tiny body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def zip_folder(folder: Path, target: Path, *, top: str | None = None) -> Path:
    """Zip a pack folder; `top` puts everything under one top folder, like "compress folder" does."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            name = f"{top}/{path.name}" if top else path.name
            archive.write(path, name)
    return target


def zip_members(target: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return target
