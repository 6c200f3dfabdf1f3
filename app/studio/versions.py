"""Versions of a published studio pack: a copy the creator edits and an admin reviews while buyers
keep the live pack; on approval it is merged into the live pack (same id, so every owner and picker
follows), then its row is deleted.

Stickers are matched by `key`: a copied sticker keeps its key (and blobs and mxc:// URI), so merging
changes only its texts and position, and favourites of it survive; a new upload has a new key and
moves into the live pack; a live sticker the version no longer has is deleted. Images of existing
stickers never change: a new image is a new sticker. Nothing here commits.
"""
from __future__ import annotations

from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import Favourite, Pack, Sticker
from app.studio import rules

COPIED_FIELDS = ("name", "description", "author", "license", "attribution", "price_amount", "currency")
STICKER_COLUMNS = ("key", "position", "body", "emoji", "tags", "image_sha256", "mimetype", "width", "height", "size",
                   "thumb_sha256", "thumb_mimetype", "thumb_width", "thumb_height", "thumb_size", "poster_sha256",
                   "poster_mimetype", "mxc_uri", "mxc_homeserver", "phash")
TEXTS = ("body", "emoji", "tags")


def open_version(live: Pack) -> Pack | None:
    return db.session.scalar(select(Pack).where(Pack.version_of_id == live.id))


def copy_as_version(live: Pack) -> Pack:
    number = (db.session.scalar(select(func.max(Pack.version)).where(Pack.version_of_id == live.id)) or live.version) + 1
    version = Pack(slug=_version_slug(live.slug, number), status=rules.DRAFT, creator_id=live.creator_id,
                   position=live.position, revision=1, review_note="", version_of_id=live.id,
                   version=max(number, live.version + 1), **{field: getattr(live, field) for field in COPIED_FIELDS})
    db.session.add(version)
    for sticker in live.stickers:
        db.session.add(Sticker(pack=version, **{column: getattr(sticker, column) for column in STICKER_COLUMNS}))
    db.session.flush()
    return version


def _version_slug(slug: str, number: int) -> str:
    suffix = f"--v{number}"
    base = slug[: 64 - len(suffix)]
    candidate, extra = base + suffix, 2
    while db.session.scalar(select(Pack.id).where(Pack.slug == candidate)) is not None:
        candidate, extra = f"{base[: 64 - len(suffix) - 3]}{suffix}-{extra}", extra + 1
    return candidate


def diff(live: Pack, version: Pack) -> dict:
    """What approving `version` changes in `live`, in words a reviewer reads."""
    old = {sticker.key: sticker for sticker in live.stickers}
    new = {sticker.key: sticker for sticker in version.stickers}
    changed = [sticker.body for key, sticker in new.items()
               if key in old and any(getattr(old[key], text) != getattr(sticker, text) for text in TEXTS)]
    order = [key for key in (s.key for s in version.stickers) if key in old] != \
            [key for key in (s.key for s in live.stickers) if key in new]
    return {"fields": [field for field in COPIED_FIELDS if getattr(live, field) != getattr(version, field)],
            "added": [sticker.body for key, sticker in new.items() if key not in old],
            "removed": [sticker.body for key, sticker in old.items() if key not in new],
            "changed": changed, "reordered": order}


def merge(version: Pack) -> Pack:
    """Apply an approved version to its live pack and delete the version's row; returns the live pack."""
    live = db.session.get(Pack, version.version_of_id)
    old = {sticker.key: sticker for sticker in live.stickers}
    keep = set()
    for sticker in list(version.stickers):
        keep.add(sticker.key)
        if sticker.key in old:
            for column in ("position", *TEXTS):
                setattr(old[sticker.key], column, getattr(sticker, column))
        else:
            sticker.pack = live  # a new upload moves over (the backref takes it out of the version)
    gone = [sticker for key, sticker in old.items() if key not in keep]
    if gone:
        db.session.execute(delete(Favourite).where(Favourite.sticker_id.in_([sticker.id for sticker in gone])))
        for sticker in gone:
            live.stickers.remove(sticker)
    for field in COPIED_FIELDS:
        setattr(live, field, getattr(version, field))
    live.version, live.revision = version.version, live.revision + 1
    db.session.flush()
    db.session.delete(version)  # with the copies of the live stickers still in it (cascade)
    db.session.flush()
    live.stickers.sort(key=lambda sticker: sticker.position)
    return live
