"""Read a Telegram Desktop chat export (result.json and stickers/) as one pack.

An export holds the stickers that were sent in the chat, not whole packs: result.json has no
sticker-set name, so the pack is named after the chat (or what the operator chose). Messages
with `media_type: "sticker"` give the file and `sticker_emoji`; a sticker sent twice is
imported once (same bytes, same sticker).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from app.exceptions import ImportFailed
from app.packs.manifest import SLUG_RE, PackSpec, StickerSpec

RESULT_NAME = "result.json"
HTML_EXPORT_NAME = "messages.html"
MAX_RESULT_BYTES = 64 * 1024 * 1024  # a long chat's result.json is large; only stickers are kept
MAX_STICKERS = 400  # about what one pack event may hold in Matrix clients


@dataclass(frozen=True)
class Naming:
    """The operator's choice of pack name and slug; None takes them from the chat."""
    name: str | None = None
    slug: str | None = None


def read_pack(source, *, label: str, limit: int, naming: Naming = Naming()) -> PackSpec:
    where = f"{label}/{RESULT_NAME}"
    chat = _chat(source.read(RESULT_NAME, MAX_RESULT_BYTES), where)
    stickers = _stickers(chat["messages"], source, limit, where)
    if not stickers:
        raise ImportFailed(f"{where}: the export holds no sticker files. Export the chat again with "
                           "'Stickers' ticked under media and the JSON format.")
    if len(stickers) > MAX_STICKERS:
        raise ImportFailed(f"{where}: {len(stickers)} different stickers; a pack may hold {MAX_STICKERS}.")
    title = chat.get("name") if isinstance(chat.get("name"), str) else ""
    name = (naming.name or title or "Telegram stickers").strip()[:120]
    slug = naming.slug or _slug(title) or _slug(name) or f"telegram-{chat.get('id', 'stickers')}"
    if not SLUG_RE.match(slug):
        raise ImportFailed(f"{label}: slug {slug!r} must be lowercase letters, digits and dashes "
                           "(choose one with --slug).")
    return PackSpec(slug=slug, name=name, description="", author="",
                    license="Not specified (imported from a Telegram Desktop export)",
                    attribution=f"Stickers sent in the Telegram chat {title or name!r}; an export does not "
                                "record their packs or authors.",
                    price_amount=0, currency="usd", stickers=tuple(stickers))


def _chat(raw: bytes, where: str) -> dict:
    try:
        chat = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ImportFailed(f"{where}: not valid JSON ({error}).") from None
    if isinstance(chat, dict) and "messages" not in chat and isinstance(chat.get("chats"), dict):
        raise ImportFailed(f"{where}: this is a whole-account export; export the one chat that holds the "
                           "stickers (chat menu > Export chat history) and import that.")
    if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
        raise ImportFailed(f"{where}: not a Telegram Desktop chat export (expected a 'messages' list).")
    return chat


def _stickers(messages: list, source, limit: int, where: str) -> list[StickerSpec]:
    found: dict[str, StickerSpec] = {}
    for message in messages:
        if not isinstance(message, dict) or message.get("media_type") != "sticker":
            continue
        file = message.get("file")
        if not isinstance(file, str) or not file or file.startswith("("):  # "(File not included. ...)"
            continue
        try:
            data = source.read(file, limit)
        except ImportFailed as error:
            raise ImportFailed(f"{where}: message {message.get('id')}: {error.message}") from None
        key = "tg-" + hashlib.sha256(data).hexdigest()[:24]
        emoji = message.get("sticker_emoji") if isinstance(message.get("sticker_emoji"), str) else ""
        if key in found:
            if emoji and not found[key].emoji:
                found[key] = StickerSpec(key=key, file=found[key].file, body=emoji[:200], emoji=emoji[:64])
            continue
        body = emoji or f"Sticker {len(found) + 1}"
        found[key] = StickerSpec(key=key, file=file, body=body[:200], emoji=emoji[:64])
    return list(found.values())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")
