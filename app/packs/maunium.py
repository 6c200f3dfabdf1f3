"""Read a maunium/stickerpicker `packs/` folder: index.json, pack JSON files, thumbnails/."""
from __future__ import annotations

import json
import re

from app.exceptions import ImportFailed
from app.packs.manifest import PackSpec, StickerSpec
from app.packs.sources import MAX_MANIFEST_BYTES, safe_relative_name

INDEX_NAME = "index.json"
MIMETYPE_RE = re.compile(r"^[a-z]+/[a-z0-9.+-]{1,100}\Z")  # stored as is: no control characters
MXC_RE = re.compile(r"^mxc://[A-Za-z0-9.:\[\]-]+/([A-Za-z0-9_-]+)\Z")


def read_packs(source, *, label: str) -> list[tuple[PackSpec, str]]:
    """Return (spec, base folder) pairs; sticker files are the local thumbnails."""
    index = _json(source.read(INDEX_NAME, MAX_MANIFEST_BYTES), f"{label}/{INDEX_NAME}")
    files = index.get("packs") if isinstance(index, dict) else None
    if not isinstance(files, list) or not files:
        raise ImportFailed(f"{label}/{INDEX_NAME}: expected {{\"packs\": [\"pack.json\", ...]}}.")
    packs = []
    for name in files:
        if not isinstance(name, str) or name.startswith(("http://", "https://")):
            raise ImportFailed(f"{label}/{INDEX_NAME}: only local pack files can be imported, not {name!r}.")
        packs.append((_pack(source, safe_relative_name(name), label), ""))
    return packs


def _pack(source, name: str, label: str) -> PackSpec:
    data = _json(source.read(name, MAX_MANIFEST_BYTES), f"{label}/{name}")
    title, pack_id, stickers = data.get("title"), data.get("id"), data.get("stickers")
    if not isinstance(title, str) or not isinstance(stickers, list) or not stickers:
        raise ImportFailed(f"{label}/{name}: a maunium pack needs 'title' and a non-empty 'stickers' list.")
    slug = re.sub(r"[^a-z0-9-]+", "-", str(pack_id or title).lower()).strip("-")[:63] or "pack"
    specs = tuple(_sticker(item, index, f"{label}/{name}") for index, item in enumerate(stickers))
    if len({spec.key for spec in specs}) != len(specs):
        raise ImportFailed(f"{label}/{name}: two stickers have the same id.")
    return PackSpec(slug=slug, name=title[:120], description="", author="",
                    license="Not specified (imported from maunium/stickerpicker)",
                    attribution=f"Imported from the maunium/stickerpicker pack {title!r}.",
                    price_amount=0, currency="usd", stickers=specs)


def _sticker(item, index: int, where: str) -> StickerSpec:
    url = item.get("url") if isinstance(item, dict) else None
    match = MXC_RE.match(url or "")
    if not match:
        raise ImportFailed(f"{where}: sticker #{index + 1} has no valid mxc:// url.")
    info = item.get("info") if isinstance(item.get("info"), dict) else {}
    for key in ("w", "h", "size"):
        value = info.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ImportFailed(f"{where}: sticker #{index + 1} has an invalid info.{key} ({value!r}).")
    mimetype = info.get("mimetype")
    if mimetype is not None and not (isinstance(mimetype, str) and MIMETYPE_RE.match(mimetype)):
        raise ImportFailed(f"{where}: sticker #{index + 1} has an invalid info.mimetype.")
    emoji = ""
    telegram = item.get("net.maunium.telegram.sticker")
    if isinstance(telegram, dict) and isinstance(telegram.get("emoticons"), list):
        emoji = "".join(e for e in telegram["emoticons"] if isinstance(e, str))
    body = item.get("body") if isinstance(item.get("body"), str) and item["body"].strip() else "sticker"
    return StickerSpec(key=str(item.get("id") or match.group(1))[:120], file=f"thumbnails/{match.group(1)}",
                       body=body.strip()[:200], emoji=emoji[:64], mxc_uri=url, info=info)


def _json(raw: bytes, label: str):
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ImportFailed(f"{label}: not valid JSON ({error}).") from None
