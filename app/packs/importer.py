"""Import packs from a folder, a zip archive, a maunium/stickerpicker packs/ folder, or a
Telegram Desktop chat export.

Everything is read and normalised first; the database is written in one transaction at the
end, so a bad file leaves no partial pack behind. Names and texts are checked for control and
bidi characters before anything else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import current_app
from sqlalchemy import delete, select

from app import audit
from app.exceptions import ImportFailed
from app.extensions import db
from app.models import Favourite, Pack, Sticker
from app.packs import maunium, telegram
from app.packs.images import NormalisedSticker, normalise, perceptual_hash
from app.packs.digest import source_digest
from app.packs.exported import sync_pack_exports
from app.packs.manifest import MANIFEST_NAME, PackSpec, StickerSpec, parse_manifest, refuse_unsafe_text
from app.packs.sources import MAX_MANIFEST_BYTES, open_source
from app.storage import put_blob
from app.transactions import transaction

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ImportResult:
    slug: str
    created: bool
    changed: bool
    stickers: int


def import_path(path: str, *, progress: Progress = lambda message: None, actor: str = audit.SYSTEM,
                naming: telegram.Naming = telegram.Naming()) -> list[ImportResult]:
    """Import every pack found at `path`; raise ImportFailed and write nothing on bad input.

    A pack whose manifest and files are byte for byte those of its last import is skipped
    before any image is decoded (Pack.source_digest). Each created or changed pack is written to
    the audit log as `actor`'s, in the same commit. `naming` names a pack whose source has no
    name of its own (a Telegram Desktop export).
    """
    source = open_source(path)
    try:
        specs = _read_specs(source, path, naming)
        prepared = [_prepare(spec, source, base, path, progress) for spec, base in specs]
    finally:
        if hasattr(source, "close"):
            source.close()
    with transaction(), db.session.no_autoflush:  # half-built rows must not be flushed by a lookup
        results = [_store(spec, images, digest) if images is not None else _unchanged(spec)
                   for spec, images, digest in prepared]
        for result in results:
            if result.changed:
                audit.record(actor, "pack.import", f"pack:{result.slug}",
                             outcome="created" if result.created else "updated", stickers=result.stickers)
    return results


def _read_specs(source, path: str, naming: telegram.Naming) -> list[tuple[PackSpec, str]]:
    is_telegram = not source.exists(MANIFEST_NAME) and not source.exists(maunium.INDEX_NAME)
    if (naming.name or naming.slug) and not (is_telegram and source.exists(telegram.RESULT_NAME)):
        raise ImportFailed(f"{path}: a pack name or slug can only be chosen for a Telegram Desktop export; "
                           f"a {MANIFEST_NAME} or maunium pack names itself.")
    if source.exists(MANIFEST_NAME):
        specs = [(parse_manifest(source.read(MANIFEST_NAME, MAX_MANIFEST_BYTES), label=path), "")]
    elif source.exists(maunium.INDEX_NAME):
        specs = maunium.read_packs(source, label=path)
    elif source.exists(telegram.RESULT_NAME):
        specs = [(telegram.read_pack(source, label=path, limit=current_app.config["MAX_IMAGE_BYTES"],
                                     naming=naming), "")]
    else:
        raise ImportFailed(_nothing_to_import(source, path))
    for spec, _base in specs:
        refuse_unsafe_text(spec, path)
    return specs


def _nothing_to_import(source, path: str) -> str:
    if source.exists(telegram.HTML_EXPORT_NAME):
        return (f"{path}: this Telegram Desktop export is in HTML; export the chat again with the format "
                f"'Machine-readable JSON' (it writes {telegram.RESULT_NAME}).")
    return (f"{path}: no {MANIFEST_NAME} (Hexpack pack), {maunium.INDEX_NAME} (maunium/stickerpicker packs "
            f"folder) or {telegram.RESULT_NAME} (Telegram Desktop chat export) found. "
            "See docs/PACK_FORMAT.md ('Pack format').")


def _prepare(spec: PackSpec, source, base: str, path: str, progress: Progress):
    """(spec, normalised images or None when unchanged, digest)."""
    limit = current_app.config["MAX_IMAGE_BYTES"]
    try:
        digest = source_digest(spec, source, base=base, limit=limit)
        stored, creator = db.session.execute(select(Pack.source_digest, Pack.creator_id)
                                             .where(Pack.slug == spec.slug)).first() or (None, None)
        if creator is not None:  # a creator's studio pack: an import must never overwrite it
            raise ImportFailed("this slug belongs to a pack a creator made in the studio; choose another slug.")
        if stored == digest:
            progress(f"[{spec.slug}] unchanged since its last import: skipped")
            return spec, None, digest
        return spec, _normalise_all(spec, source, progress, base=base), digest
    except ImportFailed as error:
        raise ImportFailed(f"{path}: pack {spec.slug!r}: {error.message}") from None


def _normalise_all(spec: PackSpec, source, progress: Progress, base: str = "") -> list[NormalisedSticker]:
    limit = current_app.config["MAX_IMAGE_BYTES"]
    max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
    images = []
    for index, sticker in enumerate(spec.stickers, start=1):
        name = base + sticker.file
        data = source.read(name, limit)
        images.append(normalise(data, name=name, max_bytes=limit, max_pixels=max_pixels))
        progress(f"[{spec.slug}] {index}/{len(spec.stickers)} {sticker.file}")
    return images


def _unchanged(spec: PackSpec) -> ImportResult:
    return ImportResult(slug=spec.slug, created=False, changed=False, stickers=len(spec.stickers))


def _store(spec: PackSpec, images: list[NormalisedSticker], digest: str) -> ImportResult:
    pack = db.session.scalar(select(Pack).where(Pack.slug == spec.slug))
    created = pack is None
    if created:
        pack = Pack(slug=spec.slug)
        pack.position = (db.session.scalar(select(db.func.max(Pack.position))) or 0) + 1
        db.session.add(pack)
    changed = _assign(pack, name=spec.name, description=spec.description, author=spec.author,
                      license=spec.license, attribution=spec.attribution,
                      price_amount=spec.price_amount, currency=spec.currency)
    existing = {sticker.key: sticker for sticker in pack.stickers}
    keep = set()
    for position, (sticker_spec, image) in enumerate(zip(spec.stickers, images)):
        keep.add(sticker_spec.key)
        sticker = existing.get(sticker_spec.key)
        if sticker is None:
            sticker = Sticker(key=sticker_spec.key, pack=pack)
            db.session.add(sticker)
            changed = True
        changed |= _update_sticker(sticker, sticker_spec, image, position)
    removed = [sticker for key, sticker in existing.items() if key not in keep]
    if removed:
        ids = [sticker.id for sticker in removed]
        db.session.execute(delete(Favourite).where(Favourite.sticker_id.in_(ids)))
        for sticker in removed:
            pack.stickers.remove(sticker)
        changed = True
    if changed and not created:
        sync_pack_exports(pack)  # a new version: rewritten in every room it was exported to
    pack.source_digest = digest
    db.session.flush()
    return ImportResult(slug=spec.slug, created=created, changed=changed or created, stickers=len(spec.stickers))


def _update_sticker(sticker: Sticker, spec: StickerSpec, image: NormalisedSticker, position: int) -> bool:
    image_sha = put_blob(image.image.data, image.image.mimetype)
    thumb_sha = put_blob(image.thumbnail.data, image.thumbnail.mimetype)
    poster = image.poster
    poster_sha = put_blob(poster.data, poster.mimetype) if poster else None
    info = spec.info or {}
    values = dict(
        position=position, body=spec.body, emoji=spec.emoji, tags=" ".join(spec.tags),
        image_sha256=image_sha, thumb_sha256=thumb_sha,
        thumb_mimetype=image.thumbnail.mimetype, thumb_width=image.thumbnail.width,
        thumb_height=image.thumbnail.height, thumb_size=len(image.thumbnail.data),
        poster_sha256=poster_sha, poster_mimetype=poster.mimetype if poster else None,
        phash=perceptual_hash(image.image.data),  # reviewers' near-duplicate hints (app/admin/review_hints.py)
        # A maunium sticker's mxc:// file is the original; describe that, not our preview copy.
        mimetype=info.get("mimetype") or image.image.mimetype,
        width=int(info.get("w") or image.image.width),
        height=int(info.get("h") or image.image.height),
        size=int(info.get("size") or len(image.image.data)),
    )
    if spec.mxc_uri:
        values.update(mxc_uri=spec.mxc_uri, mxc_homeserver=None)
    elif sticker.image_sha256 is not None and sticker.image_sha256 != image_sha:
        values.update(mxc_uri=None, mxc_homeserver=None)  # new image: publish again
    return _assign(sticker, **values)


def _assign(obj, **values) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed
