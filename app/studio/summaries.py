"""The studio's JSON shapes for packs and stickers."""
from __future__ import annotations

from app.media.urls import media_url
from app.models import Pack, Sticker


def sticker_json(sticker: Sticker) -> dict:
    return {"id": sticker.id, "body": sticker.body, "emoji": sticker.emoji,
            "tags": sticker.tags.split() if sticker.tags else [],
            "thumbnail_url": media_url(sticker.thumb_sha256, sticker.thumb_mimetype),
            "image_url": media_url(sticker.image_sha256, sticker.mimetype),
            "width": sticker.width, "height": sticker.height, "animated": sticker.poster_sha256 is not None}


def pack_json(pack: Pack, *, stickers: bool = False) -> dict:
    data = {"slug": pack.slug, "name": pack.name, "description": pack.description, "license": pack.license,
            "attribution": pack.attribution, "price_amount": pack.price_amount, "currency": pack.currency,
            "status": pack.status, "review_note": pack.review_note or "",
            "submitted_at": pack.submitted_at.isoformat() if pack.submitted_at else None,
            "sticker_count": len(pack.stickers), "version": pack.version,
            "version_of": pack.version_of.slug if pack.version_of is not None else None}
    if stickers:
        data["stickers"] = [sticker_json(sticker) for sticker in pack.stickers]
    return data
