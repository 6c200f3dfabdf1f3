"""The studio's rules: who may create, what a pack's fields may hold, statuses, quotas.

No request, no commit: services.py calls these and raises their errors to the caller.
"""
from __future__ import annotations

import re
import unicodedata

from flask import current_app

from app.exceptions import AppError, Conflict, InvalidInput, NotAllowed
from app.packs.manifest import BIDI_CONTROLS, MAX_TAGS_LENGTH
from app.packs.pricing import minimum_charge
from app.payments.payouts import payouts_started

DRAFT, IN_REVIEW, PUBLISHED, REJECTED = "draft", "in_review", "published", "rejected"
# Statuses whose stickers and texts the creator may change (a published pack's images are frozen).
EDITABLE = frozenset({DRAFT, REJECTED})
LICENSES = ("CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "All rights reserved", "other")
# Stripe's minimum charge per currency, in minor units; others default to 50.
PACK_FIELDS = ("name", "description", "license", "attribution", "price_amount", "currency")
TEXT_LIMITS = {"name": 120, "description": 2000, "attribution": 2000}
STICKER_LIMITS = {"body": 200, "emoji": 64}


class QuotaExceeded(Conflict):
    errcode = "ORG.HEXPACK.QUOTA_EXCEEDED"


class UploadRejected(AppError):
    """One or more uploaded files are not usable; nothing of the batch was kept."""

    status = 422
    errcode = "M_INVALID_PARAM"

    def __init__(self, files: list[dict]):
        super().__init__(f"{len(files)} file(s) could not be used; nothing was stored. Fix them and upload again.")
        self.files = files


def ensure_may_create(matrix_id: str) -> None:
    """CREATORS=open|invite|closed; NotAllowed (403) with what to do."""
    mode = (current_app.config["CREATORS"] or "open").strip().lower()
    if mode == "open":
        return
    invited = {item.strip() for item in current_app.config["CREATOR_MATRIX_IDS"].split(",") if item.strip()}
    if mode == "invite" and matrix_id in invited:
        return
    if mode == "invite":
        raise NotAllowed("Creating packs is by invitation on this server; ask its operators to add your Matrix ID.")
    raise NotAllowed("Creating packs is closed on this server.")


def clean_text(value, field: str, *, required: bool = False, limit: int = 200, multiline: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"'{field}' must be a string.")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"'{field}' must not be empty.")
    if len(value) > limit:
        raise InvalidInput(f"'{field}' is longer than {limit} characters.")
    allowed = "\n\r\t" if multiline else ""
    for char in value:
        if char in BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char not in allowed):
            raise InvalidInput(f"'{field}' contains a control character (U+{ord(char):04X}); remove it.")
    return value


def pack_fields(data: dict, *, partial: bool, price: tuple[int, str] = (0, "usd")) -> dict:
    """The pack fields of a create (partial=False) or PATCH body, checked; unknown keys refused.
    `price`: the pack's (amount, currency), for a PATCH that sends only one of them."""
    unknown = sorted(set(data) - set(PACK_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(unknown)}; a pack has {', '.join(PACK_FIELDS)}.")
    values = {}
    for field, limit in TEXT_LIMITS.items():
        if field in data or not partial:
            values[field] = clean_text(data.get(field), field, required=field == "name", limit=limit,
                                       multiline=field != "name")
    if "license" in data or not partial:
        if data.get("license") not in LICENSES:
            raise InvalidInput(f"'license' must be one of: {', '.join(LICENSES)}.")
        values["license"] = data["license"]
    if "price_amount" in data or "currency" in data or not partial:
        values["price_amount"], values["currency"] = _price(data.get("price_amount", price[0]),
                                                            data.get("currency", price[1]))
    return values


def check_license_terms(license: str, attribution: str) -> None:
    if license == "other" and not attribution:
        raise InvalidInput("With license 'other', say the terms in 'attribution'.")


def _price(amount, currency) -> tuple[int, str]:
    currencies = [code.strip().lower() for code in current_app.config["STORE_CURRENCIES"].split(",") if code.strip()]
    if not isinstance(currency, str) or currency.lower() not in currencies:
        raise InvalidInput(f"'currency' must be one of: {', '.join(currencies)}.")
    currency = currency.lower()
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("'price_amount' must be an integer in minor units (0 for a free pack).")
    low, high = minimum_charge(currency), current_app.config["MAX_PRICE"]
    if amount != 0 and not low <= amount <= high:
        raise InvalidInput(f"'price_amount' must be 0 (free) or between {low} and {high} minor units of {currency}.")
    return amount, currency


def sticker_fields(data: dict) -> dict:
    """The fields of a sticker PATCH: body, emoji, tags (a list of words or one string)."""
    unknown = sorted(set(data) - {"body", "emoji", "tags"})
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(unknown)}; a sticker has body, emoji, tags.")
    values = {}
    for field, limit in STICKER_LIMITS.items():
        if field in data:
            values[field] = clean_text(data[field], field, required=field == "body", limit=limit)
    if "tags" in data:
        tags = data["tags"]
        if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
            tags = " ".join(tags)
        values["tags"] = " ".join(clean_text(tags, "tags", limit=MAX_TAGS_LENGTH).split())
    return values


# /studio/<slug> would be shadowed by the studio's own pages.
RESERVED_SLUGS = frozenset({"packs", "payouts", "sales"})


def slug_base(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50]
    return f"{base}-pack" if base in RESERVED_SLUGS else base or "pack"


def ensure_editable(status: str) -> None:
    if status == IN_REVIEW:
        raise Conflict("The pack is in review; withdraw it to change it.")
    if status not in EDITABLE:
        raise Conflict("A published pack is frozen: start a new version (POST .../versions, or "
                       "'Start a new version' in the studio), change that and submit it.")


def payouts_ready(user) -> bool:
    """Whether the creator may submit a paid pack: they have started payouts onboarding (Stripe
    Connect). The pack is for sale only once their account can receive transfers (app.payments.payouts)."""
    return payouts_started(user.id)
