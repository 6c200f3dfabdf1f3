"""What a signed-in user's picker shows, read with two light queries (no ORM objects).

The personal picker runs on every open of Element's sticker popover, so it reads only ids and
revisions: enough to key a cached page (app.widget.page), and nothing is rendered when the key
was seen before. The rules are the library's (app.library.services.library): every published
free pack, plus the packs the user holds a live entitlement for that are published or hidden
from the store; their PickerPack rows order and hide them; the rest follow in catalogue order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import and_, bindparam, or_, select, union_all
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Entitlement, Favourite, Pack, PickerPack, Sticker

OWNED_STATUSES = ("published", "hidden")  # an owner keeps a pack the store no longer lists


def _usable(where, *joins):
    statement = select(Pack.id, Pack.revision, Pack.position, PickerPack.position.label("pref_position"),
                       PickerPack.visible).select_from(Pack)
    for join in joins:
        statement = statement.join(*join)
    return statement.outerjoin(PickerPack, and_(PickerPack.pack_id == Pack.id,
                                                PickerPack.user_id == bindparam("user_id"))).where(where)


# Built once (statement building costs more than these indexed queries). Two arms of a UNION,
# so each uses its own index (packs by status, entitlements by user) at any catalogue size; ALL,
# since a free pack the user also owns comes twice alike and picker_contents keeps one.
_USABLE_PACKS = union_all(
    _usable(and_(Pack.status == "published", Pack.price_amount == 0)),
    _usable(or_(*(Pack.status == status for status in OWNED_STATUSES)),  # no IN: its list is rebuilt per call
            (Entitlement, and_(Entitlement.pack_id == Pack.id, Entitlement.user_id == bindparam("user_id"),
                               Entitlement.revoked_at.is_(None)))),
)
_FAVOURITES = (
    select(Favourite.sticker_id, Sticker.pack_id).join(Sticker, Sticker.id == Favourite.sticker_id)
    .where(Favourite.user_id == bindparam("user_id"))
    .order_by(Favourite.created_at.desc(), Favourite.id.desc())
)


class _Usable(NamedTuple):
    """A row of _USABLE_PACKS as a plain tuple: a Row's attribute access costs more than the
    rest of picker_contents together."""

    id: int
    revision: int
    position: int
    pref_position: int | None
    visible: bool | None


@dataclass(frozen=True)
class PickerContents:
    keys: list[tuple[int, int]]  # (pack id, revision) of the shown packs, in the user's order
    favourites: list[int]  # starred sticker ids of usable packs, most recent first
    favourite_revisions: tuple[tuple[int, int], ...]  # (pack id, revision) behind the favourites

    @property
    def cache_key(self) -> tuple:
        """Everything the page depends on besides `keys`, theme and media base."""
        return tuple(self.favourites), self.favourite_revisions


def picker_contents(user_id: int, *, connection=None) -> PickerContents:
    # On the session's connection (or the caller's), past the ORM: its per-statement overhead was
    # most of the cost.
    connection = connection or db.session.connection()
    rows = {row.id: row for row in map(_Usable._make, connection.execute(_USABLE_PACKS, {"user_id": user_id}))}
    ordered = sorted(rows.values(), key=lambda row: (0, row.pref_position, 0, 0) if row.pref_position is not None
                     else (1, 0, row.position, row.id))
    keys = [(row.id, row.revision) for row in ordered if row.visible is None or row.visible]
    favourites = [(sticker_id, pack_id) for sticker_id, pack_id in connection.execute(_FAVOURITES, {"user_id": user_id})
                  if pack_id in rows]
    revisions = tuple(sorted({(pack_id, rows[pack_id].revision) for _, pack_id in favourites}))
    return PickerContents(keys=keys, favourites=[sticker_id for sticker_id, _ in favourites],
                          favourite_revisions=revisions)


def stickers_in_order(sticker_ids: list[int]) -> list[Sticker]:
    """These stickers (with their packs), in the order of `sticker_ids`."""
    if not sticker_ids:
        return []
    found = {sticker.id: sticker for sticker in db.session.scalars(
        select(Sticker).where(Sticker.id.in_(sticker_ids)).options(selectinload(Sticker.pack)))}
    return [found[sticker_id] for sticker_id in sticker_ids if sticker_id in found]
