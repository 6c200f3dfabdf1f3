"""Perceptual hashes for stickers that have none (imported before hashes existed), so reviewers'
near-duplicate hints (app/admin/review_hints.py) also compare against them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.exceptions import ImportFailed
from app.extensions import db
from app.models import Sticker
from app.packs.images import perceptual_hash
from app.storage import read_blob
from app.transactions import transaction

BATCH = 100  # stickers per commit


@dataclass
class HashResult:
    hashed: int = 0
    unreadable: int = 0


def hash_missing() -> HashResult:
    """Hash every sticker without a phash, committing every BATCH; re-runs skip what is done."""
    result, unreadable = HashResult(), {0}  # ids that could not be hashed: not asked for again
    while True:
        stickers = list(db.session.scalars(select(Sticker).where(Sticker.phash.is_(None),
                                                                 Sticker.id.not_in(unreadable))
                                           .order_by(Sticker.id).limit(BATCH)))
        if not stickers:
            return result
        with transaction():
            for sticker in stickers:
                data = read_blob(sticker.image_sha256)
                try:
                    sticker.phash = perceptual_hash(data) if data else None
                except (ImportFailed, OSError, ValueError):
                    sticker.phash = None
                if sticker.phash is None:
                    unreadable.add(sticker.id)
                    result.unreadable += 1
                else:
                    result.hashed += 1
