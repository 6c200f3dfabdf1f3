"""The Hexpack pack manifest (pack.json): parsing and validation into plain data."""
from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from app.exceptions import ImportFailed
from app.packs.pricing import MAX_PRICE, price_problem

MANIFEST_NAME = "pack.json"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")
MAX_TAGS_LENGTH = 400  # the stickers.tags column
CURRENCY_RE = re.compile(r"^[a-z]{3}\Z")
PACK_KEYS = ("name", "slug", "description", "author", "license", "attribution", "price", "stickers")
STICKER_KEYS = ("file", "body", "emoji", "tags", "id")
# Embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069) reorder the text around
# them: a name could show one thing and be another ("Trojan Source").
BIDI_CONTROLS = frozenset(chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
MULTILINE_FIELDS = ("description", "attribution")


@dataclass(frozen=True)
class StickerSpec:
    key: str
    file: str
    body: str
    emoji: str = ""
    tags: tuple[str, ...] = ()
    # Set for stickers that already live on a homeserver (maunium import).
    mxc_uri: str | None = None
    info: dict | None = None


@dataclass(frozen=True)
class PackSpec:
    slug: str
    name: str
    description: str
    author: str
    license: str
    attribution: str
    price_amount: int
    currency: str
    stickers: tuple[StickerSpec, ...] = field(default_factory=tuple)


def parse_manifest(raw: bytes, *, label: str) -> PackSpec:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ImportFailed(f"{label}: {MANIFEST_NAME} is not valid JSON ({error}).") from None
    if not isinstance(data, dict):
        raise ImportFailed(f"{label}: {MANIFEST_NAME} must be a JSON object.")
    refuse_unknown_keys(data, PACK_KEYS, f"{label}: {MANIFEST_NAME}")
    missing = [key for key in ("name", "slug", "license", "attribution", "stickers") if not data.get(key)]
    if missing:
        raise ImportFailed(f"{label}: {MANIFEST_NAME} is missing required fields: {', '.join(missing)}.")
    slug = _text(data, "slug", label)
    if not SLUG_RE.match(slug):
        raise ImportFailed(f"{label}: slug {slug!r} must be lowercase letters, digits and dashes.")
    amount, currency = _price(data.get("price", 0), label)
    stickers = data["stickers"]
    if not isinstance(stickers, list):
        raise ImportFailed(f"{label}: 'stickers' must be a list.")
    specs = tuple(_sticker(item, index, label) for index, item in enumerate(stickers))
    keys = [spec.key for spec in specs]
    if len(set(keys)) != len(keys):
        raise ImportFailed(f"{label}: two stickers use the same file or id.")
    return PackSpec(
        slug=slug,
        name=_text(data, "name", label, 120),
        description=_text(data, "description", label, 2000, required=False),
        author=_text(data, "author", label, 200, required=False),
        license=_text(data, "license", label, 200),
        attribution=_text(data, "attribution", label, 2000),
        price_amount=amount,
        currency=currency,
        stickers=specs,
    )


def _text(data: dict, key: str, label: str, limit: int = 200, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ImportFailed(f"{label}: '{key}' must be a non-empty string.")
    if len(value) > limit:
        raise ImportFailed(f"{label}: '{key}' is longer than {limit} characters.")
    return value.strip()


def _price(value, label: str) -> tuple[int, str]:
    """Accept 0, {"amount": 50, "currency": "usd"} (minor units)."""
    if value in (0, None):
        return 0, "usd"
    if not isinstance(value, dict):
        raise ImportFailed(f"{label}: 'price' must be 0 or {{\"amount\": <minor units>, \"currency\": \"usd\"}}.")
    amount, currency = value.get("amount"), str(value.get("currency", "")).lower()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0 or amount > MAX_PRICE:
        raise ImportFailed(f"{label}: price amount must be a whole number of minor units (50 = $0.50).")
    if not CURRENCY_RE.match(currency):
        raise ImportFailed(f"{label}: price currency must be an ISO code such as 'usd'.")
    problem = price_problem(amount, currency)  # the same rule as an operator's price change
    if problem:
        raise ImportFailed(f"{label}: {problem}")
    return amount, currency


def _sticker(item, index: int, label: str) -> StickerSpec:
    where = f"{label}: sticker #{index + 1}"
    if not isinstance(item, dict) or not isinstance(item.get("file"), str) or not item["file"]:
        raise ImportFailed(f"{where} needs a 'file'.")
    refuse_unknown_keys(item, STICKER_KEYS, f"{where} ({item['file']})")
    body = item.get("body")
    if not isinstance(body, str) or not body.strip():
        raise ImportFailed(f"{where} ({item['file']}) needs a 'body' (its name or description).")
    emoji = item.get("emoji", "")
    tags = item.get("tags", [])
    if isinstance(emoji, list):
        emoji = "".join(emoji)
    if not isinstance(emoji, str) or not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ImportFailed(f"{where}: 'emoji' must be a string and 'tags' a list of strings.")
    tags = [tag.strip().lower() for tag in tags if tag.strip()]
    if len(" ".join(tags)) > MAX_TAGS_LENGTH:
        raise ImportFailed(f"{where}: its tags add up to more than {MAX_TAGS_LENGTH} characters.")
    key = str(item.get("id") or item["file"])
    return StickerSpec(key=key[:120], file=item["file"], body=body.strip()[:200], emoji=emoji[:64],
                       tags=tuple(tags))


def refuse_unknown_keys(data: dict, known: tuple[str, ...], where: str) -> None:
    """A misspelt key ("descripton") would otherwise be dropped without a word."""
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else f" Known keys: {', '.join(known)}."
            raise ImportFailed(f"{where}: unknown key {key!r}.{hint}")


def refuse_unsafe_text(spec: PackSpec, label: str) -> None:
    """Control characters (NUL breaks PostgreSQL) and bidi controls in any text of a pack."""
    for name in ("name", "description", "author", "license", "attribution"):
        _check_text(getattr(spec, name), f"{label}: pack {spec.slug!r} '{name}'", name in MULTILINE_FIELDS)
    for index, sticker in enumerate(spec.stickers, start=1):
        where = f"{label}: pack {spec.slug!r} sticker #{index} ({sticker.file!r})"
        for name, value in (("file", sticker.file), ("id", sticker.key), ("body", sticker.body),
                            ("emoji", sticker.emoji), *(("tags", tag) for tag in sticker.tags)):
            _check_text(value, f"{where} '{name}'", multiline=False)


def _check_text(value: str, where: str, multiline: bool) -> None:
    allowed = "\n\r\t" if multiline else ""
    for char in value:
        if char in BIDI_CONTROLS:
            raise ImportFailed(f"{where} contains a bidirectional control character "
                               f"(U+{ord(char):04X} {unicodedata.name(char)}), which can disguise text; remove it.")
        if unicodedata.category(char) == "Cc" and char not in allowed:
            raise ImportFailed(f"{where} contains a control character (U+{ord(char):04X}"
                               f"{' NUL' if char == chr(0) else ''}); names and texts may not contain them.")
