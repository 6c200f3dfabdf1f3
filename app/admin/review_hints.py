"""Hints for the reviewer of a submitted pack: what a human should look at twice.

- near-duplicates: a sticker whose perceptual hash is within NEAR_DUPLICATE_BITS of a sticker in
  another pack (a re-upload of someone else's art, or of another of the creator's packs);
- huge animations: an animated sticker whose stored file is over HUGE_ANIMATION_BYTES (slow to load
  in every room it is sent to);
- empty names: a sticker named only with digits, "sticker" or a camera file name; no emoji.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Pack, Sticker

NEAR_DUPLICATE_BITS = 6  # of 64: re-encodes and small edits stay below it, different drawings do not
HUGE_ANIMATION_BYTES = 512 * 1024
MEANINGLESS_NAME = re.compile(r"^(?:\d+|sticker(?: \d+)?|img \d+|image \d+|dsc \d+|screenshot.*|untitled.*)$",
                              re.IGNORECASE)


@dataclass(frozen=True)
class Hint:
    kind: str  # near_duplicate | huge_animation | empty_name | no_emoji
    sticker_id: int
    message: str

    def as_json(self) -> dict:
        return {"kind": self.kind, "sticker": self.sticker_id, "message": self.message}


def hints_for(pack: Pack, hashes: list[tuple[int, int, str, str]] | None = None) -> list[Hint]:
    """`hashes`: every hashed sticker as all_hashes() gives them (load it once for a whole queue)."""
    return [*near_duplicates(pack, all_hashes() if hashes is None else hashes), *_size_and_name_hints(pack)]


def all_hashes() -> list[tuple[int, int, str, str]]:
    """(pack id, hash as an int, body, pack slug) of every sticker with a perceptual hash."""
    rows = db.session.execute(select(Sticker.pack_id, Sticker.phash, Sticker.body, Pack.slug)
                              .join(Pack, Pack.id == Sticker.pack_id).where(Sticker.phash.is_not(None)))
    return [(pack_id, int(phash, 16), body, slug) for pack_id, phash, body, slug in rows]


def near_duplicates(pack: Pack, hashes: list[tuple[int, int, str, str]]) -> list[Hint]:
    own = {pack.id, pack.version_of_id}  # a version is not a copy of its own live pack
    others = [row for row in hashes if row[0] not in own]
    hints = []
    for sticker in (sticker for sticker in pack.stickers if sticker.phash):
        mine = int(sticker.phash, 16)
        for _pack_id, phash, body, slug in others:
            distance = (mine ^ phash).bit_count()
            if distance <= NEAR_DUPLICATE_BITS:
                hints.append(Hint("near_duplicate", sticker.id,
                                  f"\"{sticker.body}\" looks like \"{body}\" in the pack {slug} "
                                  f"({64 - distance} of 64 hash bits match)."))
                break
    return hints


def _size_and_name_hints(pack: Pack) -> list[Hint]:
    hints = []
    for sticker in pack.stickers:
        if sticker.poster_sha256 is not None and sticker.size > HUGE_ANIMATION_BYTES:
            hints.append(Hint("huge_animation", sticker.id, f"\"{sticker.body}\" is an animation of "
                              f"{sticker.size // 1024} KiB (over {HUGE_ANIMATION_BYTES // 1024} KiB)."))
        if not sticker.body.strip() or MEANINGLESS_NAME.match(sticker.body.strip()):
            hints.append(Hint("empty_name", sticker.id, f"Sticker #{sticker.position + 1} has no real name "
                              f"(\"{sticker.body}\"); people search by name."))
        elif not sticker.emoji:
            hints.append(Hint("no_emoji", sticker.id, f"\"{sticker.body}\" has no emoji."))
    return hints
