"""Studio use cases on a pack's stickers: upload a batch, change one, delete one, reorder."""
from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select

from app import audit
from app.exceptions import InvalidInput, NotFound
from app.extensions import db
from app.models import Favourite, Pack, Sticker, User
from app.storage import put_blob
from app.studio import quotas, rules
from app.studio.services import owned_pack
from app.studio.uploads import PreparedSticker, UploadPart, prepare_batch
from app.transactions import transaction


def add_stickers(user: User, slug: str, parts: list[UploadPart]) -> list[Sticker]:
    """Normalise every file first; store all of them or (UploadRejected, a quota) none."""
    pack = owned_pack(user, slug)
    rules.ensure_editable(pack.status)
    quotas.check_upload_quota(user, sum(_size(part) for part in parts))
    for part in parts:
        for field, value in (("body", part.body), ("emoji", part.emoji)):
            rules.clean_text(value, field, limit=rules.STICKER_LIMITS[field])
    prepared, received = prepare_batch(parts, room=quotas.room_for_stickers(pack))
    with transaction():
        pack = owned_pack(user, slug)
        rules.ensure_editable(pack.status)
        quotas.check_sticker_quota(pack, len(prepared))
        quotas.check_upload_quota(user, received)
        start = db.session.scalar(select(func.coalesce(func.max(Sticker.position), -1))
                                  .where(Sticker.pack_id == pack.id)) + 1
        stickers = [_store(pack, item, start + offset) for offset, item in enumerate(prepared)]
        pack.revision += 1
        quotas.record(user, quotas.UPLOAD, received)
        db.session.flush()
        audit.record(user.matrix_id, "pack.stickers.add", f"pack:{slug}", stickers=[s.id for s in stickers],
                     bytes=received)
    return stickers


def _size(part: UploadPart) -> int:
    part.stream.seek(0, 2)
    size = part.stream.tell()
    part.stream.seek(0)
    return size


def _store(pack: Pack, item: PreparedSticker, position: int) -> Sticker:
    image, thumb, poster = item.image.image, item.image.thumbnail, item.image.poster
    sticker = Sticker(
        pack=pack, key=uuid.uuid4().hex, position=position, body=item.body[:200], emoji=item.emoji[:64], tags="",
        image_sha256=put_blob(image.data, image.mimetype), mimetype=image.mimetype, width=image.width,
        height=image.height, size=len(image.data),
        thumb_sha256=put_blob(thumb.data, thumb.mimetype), thumb_mimetype=thumb.mimetype,
        thumb_width=thumb.width, thumb_height=thumb.height, thumb_size=len(thumb.data),
        poster_sha256=put_blob(poster.data, poster.mimetype) if poster else None,
        poster_mimetype=poster.mimetype if poster else None, phash=item.phash)
    db.session.add(sticker)
    return sticker


def _owned_sticker(user: User, slug: str, sticker_id: int) -> tuple[Pack, Sticker]:
    pack = owned_pack(user, slug)
    sticker = db.session.get(Sticker, sticker_id)
    if sticker is None or sticker.pack_id != pack.id:
        raise NotFound(f"The pack {slug!r} has no sticker {sticker_id}.")
    return pack, sticker


def update_sticker(user: User, slug: str, sticker_id: int, data: dict) -> Sticker:
    values = rules.sticker_fields(data)
    with transaction():
        pack, sticker = _owned_sticker(user, slug, sticker_id)
        rules.ensure_editable(pack.status)
        changed = sorted(key for key, value in values.items() if getattr(sticker, key) != value)
        for key in changed:
            setattr(sticker, key, values[key])
        if changed:
            pack.revision += 1
            audit.record(user.matrix_id, "pack.sticker.update", f"pack:{slug}", sticker=sticker_id, fields=changed)
    return sticker


def delete_sticker(user: User, slug: str, sticker_id: int) -> None:
    with transaction():
        pack, sticker = _owned_sticker(user, slug, sticker_id)
        rules.ensure_editable(pack.status)
        db.session.execute(delete(Favourite).where(Favourite.sticker_id == sticker.id))
        pack.stickers.remove(sticker)
        for position, remaining in enumerate(pack.stickers):
            remaining.position = position
        pack.revision += 1
        audit.record(user.matrix_id, "pack.sticker.delete", f"pack:{slug}", sticker=sticker_id)


def reorder_stickers(user: User, slug: str, order) -> list[Sticker]:
    """`order` must list each of the pack's sticker ids exactly once."""
    if not isinstance(order, list) or not all(isinstance(item, int) and not isinstance(item, bool) for item in order):
        raise InvalidInput("'stickers' must be a list of sticker ids.")
    with transaction():
        pack = owned_pack(user, slug)
        rules.ensure_editable(pack.status)
        by_id = {sticker.id: sticker for sticker in pack.stickers}
        if sorted(order) != sorted(by_id):
            raise InvalidInput("'stickers' must list every sticker of the pack exactly once "
                               f"(the pack has {len(by_id)}).")
        for position, sticker_id in enumerate(order):
            by_id[sticker_id].position = position
        pack.revision += 1
        audit.record(user.matrix_id, "pack.stickers.reorder", f"pack:{slug}")
    db.session.expire(pack, ["stickers"])
    return pack.stickers
