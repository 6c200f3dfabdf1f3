"""Draw the demo sticker packs into demo_packs/<slug>/ (pack.json + images) with Pillow.

    .venv/bin/python scripts/make_demo_packs.py                 # all packs
    .venv/bin/python scripts/make_demo_packs.py --only weather  # one pack
    .venv/bin/python scripts/make_demo_packs.py --sheet /tmp/sheet.png  # also a contact sheet

The output is committed, so `make run` needs no drawing. Everything is drawn at 4x and
downscaled (anti-aliasing), with ink outlines, gradient shading and a white die-cut border.
Text uses DejaVu Sans Bold when installed (Debian: fonts-dejavu-core), else Pillow's own font.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import zlib

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from demo_art import hexagons, matrix_hex, weather  # noqa: E402
from demo_art.draw import Art  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LICENSE = "CC0-1.0"
ATTRIBUTION = "Hexpack contributors"
STATIC_SIZE = 512  # Matrix clients show stickers at up to 256 CSS px: sharp on 2x screens
ANIMATED_SIZE = 384
FRAMES = 16

PACKS = [
    {
        "module": hexagons, "slug": "hexagons", "name": "Hexagons", "animated": "webp",
        "description": "Expressive hexagon characters for every mood: happy, laughing, sad, angry, "
                       "sleepy, in love, partying and more. One of them waves (animated WebP).",
        "price": 0,
    },
    {
        "module": weather, "slug": "weather", "name": "Weather", "animated": "gif",
        "description": "Cheerful weather for chat: sun, clouds, rain (animated GIF), storms, snow, "
                       "rainbows and the moon.",
        "price": 0,
    },
    {
        "module": matrix_hex, "slug": "matrix-hex", "name": "Matrix Hex", "animated": None,
        "description": "Dark hex tiles with green digital rain: +1, LOL, LGTM, ship it, E2EE, "
                       "federation and other chat reactions. The original Matrix hex pack sold for $0.50.",
        "price": {"amount": 50, "currency": "usd"},
    },
]


def seed_of(name: str) -> int:
    return zlib.crc32(name.encode())


def draw_static(fn, name: str) -> Image.Image:
    art = Art(STATIC_SIZE)
    art.seed = seed_of(name)
    fn(art)
    return art.finish()


def draw_frames(fn, *, shadow: bool) -> list[Image.Image]:
    frames = []
    for index in range(FRAMES):
        art = Art(ANIMATED_SIZE)
        fn(art, index / FRAMES)
        frames.append(art.finish(shadow=shadow))
    return frames


def hard_alpha(frame: Image.Image) -> Image.Image:
    """GIF has 1-bit transparency: decide each edge pixel instead of letting the encoder do it."""
    alpha = frame.getchannel("A").point(lambda v: 255 if v >= 128 else 0)
    solid = frame.copy()
    solid.putalpha(alpha)
    return solid


def save_animated(frames: list[Image.Image], path: str, kind: str) -> None:
    duration = 70 if kind == "webp" else 80
    if kind == "webp":
        frames[0].save(path, "WEBP", save_all=True, append_images=frames[1:], duration=duration, loop=0,
                       quality=80, method=6)
    else:
        frames = [hard_alpha(frame) for frame in frames]
        frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=duration, loop=0,
                       disposal=2, optimize=True)


def build_pack(pack: dict, out_dir: str) -> list[Image.Image]:
    folder = os.path.join(out_dir, pack["slug"])
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    stickers, previews = [], []
    for name, fn, body, emoji, tags in pack["module"].STICKERS:
        if name in pack["module"].ANIMATED:
            kind = pack["animated"]
            frames = draw_frames(fn, shadow=kind != "gif")
            filename = f"{name}.{kind}"
            save_animated(frames, os.path.join(folder, filename), kind)
            previews.append(frames[0])
        else:
            image = draw_static(fn, name)
            filename = f"{name}.png"
            image.save(os.path.join(folder, filename), "PNG", optimize=True)
            previews.append(image)
        stickers.append({"id": name, "file": filename, "body": body, "emoji": emoji, "tags": tags})
        print(f"  {pack['slug']}/{filename}")
    manifest = {
        "slug": pack["slug"], "name": pack["name"], "description": pack["description"],
        "author": ATTRIBUTION, "license": LICENSE, "attribution": ATTRIBUTION,
        "price": pack["price"], "stickers": stickers,
    }
    with open(os.path.join(folder, "pack.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return previews


def contact_sheet(rows: list[list[Image.Image]], path: str, cell: int = 128) -> None:
    """Every sticker at `cell` px, on a light and a dark background, side by side."""
    columns = max(len(row) for row in rows)
    per_row = min(columns, 11)
    lines = sum((len(row) + per_row - 1) // per_row for row in rows)
    width, height = per_row * (cell + 8) + 8, lines * (cell + 8) + 8
    sheet = Image.new("RGB", (width * 2, height), (255, 255, 255))
    sheet.paste((21, 25, 30), (width, 0, width * 2, height))
    line = 0
    for row in rows:
        for index, image in enumerate(row):
            small = image.resize((cell, cell), Image.Resampling.LANCZOS)
            x, y = (index % per_row) * (cell + 8) + 8, (line + index // per_row) * (cell + 8) + 8
            sheet.paste(small, (x, y), small)
            sheet.paste(small, (x + width, y), small)
        line += (len(row) + per_row - 1) // per_row
    sheet.save(path)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "demo_packs"))
    parser.add_argument("--only", help="slug of one pack to redraw")
    parser.add_argument("--sheet", help="also write a contact sheet PNG here (not committed)")
    parser.add_argument("--sheet-size", type=int, default=128)
    args = parser.parse_args(argv)
    rows = []
    for pack in PACKS:
        if args.only and pack["slug"] != args.only:
            continue
        print(f"Drawing {pack['slug']} ...")
        rows.append(build_pack(pack, os.path.normpath(args.out)))
    if args.sheet:
        contact_sheet(rows, args.sheet, args.sheet_size)
        print(f"Contact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
