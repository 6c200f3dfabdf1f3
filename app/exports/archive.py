"""A pack as a zip for clients that import one, with no bot involved.

At the top, one image per sticker named by its shortcode (FluffyChat's "import from zip" takes the
file name as the shortcode). Under `packs/`, the maunium/stickerpicker format for people who host
that picker: `index.json`, `<slug>.json` and `thumbnails/<media id>`. maunium packs point at
mxc:// URIs, so stickers that were never uploaded to a homeserver are left out of `packs/` (and
README.txt says so); the images at the top are always complete.
"""
from __future__ import annotations

import io
import json
import zipfile

from app.exports.content import shortcodes
from app.models import Blob, Pack
from app.extensions import db
from app.packs.maunium import MXC_RE
from app.storage import EXTENSIONS

MAUNIUM_DIR = "packs"


def pack_zip(pack: Pack, *, homeserver_url: str = "") -> bytes:
    buffer = io.BytesIO()
    published = [s for s in pack.stickers if s.mxc_uri and MXC_RE.match(s.mxc_uri)]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # images are compressed already
        for code, sticker in zip(shortcodes(pack.stickers), pack.stickers):
            data, mimetype = _blob(sticker.image_sha256)
            archive.writestr(f"{code}.{EXTENSIONS[mimetype]}", data)
        if published:
            archive.writestr(f"{MAUNIUM_DIR}/index.json", _json({"homeserver_url": homeserver_url,
                                                                 "packs": [f"{pack.slug}.json"]}))
            archive.writestr(f"{MAUNIUM_DIR}/{pack.slug}.json", _json(maunium_pack(pack, published)))
            for sticker in published:
                archive.writestr(f"{MAUNIUM_DIR}/thumbnails/{_media_id(sticker.mxc_uri)}",
                                 _blob(sticker.thumb_sha256)[0])
        archive.writestr("README.txt", _readme(pack, len(published)))
    return buffer.getvalue()


def maunium_pack(pack: Pack, stickers: list) -> dict:
    entries = []
    for sticker in stickers:
        entries.append({
            "body": sticker.body, "url": sticker.mxc_uri, "msgtype": "m.sticker", "id": _media_id(sticker.mxc_uri),
            "info": {"w": sticker.width, "h": sticker.height, "size": sticker.size, "mimetype": sticker.mimetype,
                     "thumbnail_url": sticker.mxc_uri,
                     "thumbnail_info": {"w": sticker.width, "h": sticker.height, "size": sticker.size,
                                        "mimetype": sticker.mimetype}},
            "net.maunium.telegram.sticker": {"emoticons": [sticker.emoji] if sticker.emoji else []},
        })
    return {"title": pack.name, "id": pack.slug, "stickers": entries}


def _readme(pack: Pack, published: int) -> str:
    lines = [f"{pack.name}: {len(pack.stickers)} stickers from Hexpack.",
             f"License: {pack.license or 'not stated'}. {pack.attribution}".strip(), "",
             "FluffyChat: Settings > Stickers & emotes > import this zip; each file name is the shortcode.",
             "maunium/stickerpicker: copy the packs/ folder into your picker's web/ folder."]
    if published < len(pack.stickers):
        lines.append(f"packs/ lists {published} of {len(pack.stickers)} stickers: the others are not on a "
                     "Matrix homeserver yet, and that format needs mxc:// URLs.")
    return "\n".join(lines) + "\n"


def _blob(sha256: str) -> tuple[bytes, str]:
    row = db.session.execute(db.select(Blob.data, Blob.mimetype).where(Blob.sha256 == sha256)).one()
    return row.data, row.mimetype


def _media_id(mxc_uri: str) -> str:
    return MXC_RE.match(mxc_uri).group(1)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
