"""A pack as MSC2545 image-pack room state: shortcodes, image entries, and the split into parts.

Written under both event types with the same state key and content: the stable name of the spec
(Matrix v1.19) and the unstable one FluffyChat, Nheko and Cinny still read. Per-image `usage` is not
in the stable schema but older clients honour it. An event is limited to 65536 bytes *with* its
envelope (signatures, hashes, auth and prev events), so a part's content stays well below that.
"""
from __future__ import annotations

import json
import re
from typing import Iterable

from app.models import Pack, Sticker

EVENT_TYPES = ("m.room.image_pack", "im.ponies.room_emotes")
SHORTCODE_RE = re.compile(r"[A-Za-z0-9_-]{1,100}\Z")
MAX_PART_BYTES = 48 * 1024  # the event limit is 65536 bytes including the envelope: keep a margin
EMPTY = {"images": {}}
USAGE = ["sticker"]


def state_key(slug: str, part: int) -> str:
    """`slug` for the first part, then `slug.2`, `slug.3`…: a dot is never in a slug, so a part of
    one pack cannot collide with another pack's slug (as `slug-2` could)."""
    return slug if part == 1 else f"{slug}.{part}"


def shortcodes(stickers: Iterable[Sticker]) -> list[str]:
    """One shortcode per sticker, in order: from its name (body), else its key without a file
    extension; lower case (FluffyChat lower-cases the file names of a zip it imports, so both
    exports agree), [a-z0-9_-]{1,100}, unique within the pack (`happy`, `happy-2`, …)."""
    taken: set[str] = set()
    codes = []
    for sticker in stickers:
        base = _code(sticker.body) or _code(re.sub(r"\.(png|webp|gif|jpe?g|tgs|webm)$", "", sticker.key, flags=re.I))
        base = base or "sticker"
        code, suffix = base, 1
        while code in taken:
            suffix += 1
            code = f"{base}-{suffix}"
        taken.add(code)
        codes.append(code)
    return codes


def _code(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "_", text.lower()).strip("_-")[:90]


def image_entry(sticker: Sticker) -> dict:
    return {"url": sticker.mxc_uri, "body": sticker.body, "usage": USAGE,
            "info": {"w": sticker.width, "h": sticker.height, "mimetype": sticker.mimetype, "size": sticker.size}}


def pack_header(pack: Pack, part: int, parts: int) -> dict:
    name = pack.name if parts == 1 else f"{pack.name} ({part}/{parts})"
    attribution = pack.attribution or (f"by {pack.author}" if pack.author else "")
    header = {"display_name": name, "usage": USAGE, "attribution": attribution}
    first = pack.stickers[0].mxc_uri if pack.stickers else None
    if first:
        header["avatar_url"] = first
    return header


def pack_contents(pack: Pack, *, max_bytes: int = MAX_PART_BYTES) -> list[dict]:
    """The content of each part, in order (one part unless the pack is too big for one event).
    Every sticker must have its mxc:// URI (publish first)."""
    missing = [sticker.body for sticker in pack.stickers if not sticker.mxc_uri]
    if missing:
        raise ValueError(f"stickers not on the homeserver yet: {', '.join(missing[:5])}")
    groups: list[dict] = [{}]
    budget = max_bytes - _size(pack_header(pack, 99, 99)) - _size(EMPTY)
    used = 0
    for code, sticker in zip(shortcodes(pack.stickers), pack.stickers):
        entry = image_entry(sticker)
        cost = _size({code: entry})
        if groups[-1] and used + cost > budget:
            groups.append({})
            used = 0
        groups[-1][code] = entry
        used += cost
    return [{"pack": pack_header(pack, index, len(groups)), "images": images}
            for index, images in enumerate(groups, start=1)]


def _size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
