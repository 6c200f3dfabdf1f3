"""A user's library: which packs their picker shows, in what order, and their starred stickers.

What a user may use: every published free pack, plus the packs they hold a live entitlement
for (published, or hidden from the store after they got it). Their PickerPack rows order and
hide those; packs without a row follow in catalogue order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from app.extensions import db
from app.library.picker_contents import OWNED_STATUSES
from app.models import Entitlement, Favourite, Pack, PickerPack, Sticker, User
from app.packs import entitlements
from app.packs.ownership import published_pack
from app.transactions import transaction

MAX_FAVOURITES = 100


@dataclass(frozen=True)
class LibraryPack:
    pack: Pack
    source: str  # free | purchase | grant | gift
    hidden: bool


def library(*, user: User) -> list[LibraryPack]:
    """Every pack the user may use, in their picker order, hidden ones included (flagged)."""
    packs: dict[int, tuple[Pack, str]] = {}
    for pack in db.session.scalars(select(Pack).where(Pack.status == "published", Pack.price_amount == 0)):
        packs[pack.id] = (pack, "free")
    entitled = db.session.execute(
        select(Pack, Entitlement.source).join(Entitlement, Entitlement.pack_id == Pack.id)
        .where(Entitlement.user_id == user.id, Entitlement.revoked_at.is_(None), Pack.status.in_(OWNED_STATUSES))
    )
    for pack, source in entitled:
        packs[pack.id] = (pack, source)
    prefs = {row.pack_id: row for row in db.session.scalars(select(PickerPack).where(PickerPack.user_id == user.id))}

    def order(item):
        pack = item[0]
        pref = prefs.get(pack.id)
        return (0, pref.position, 0, 0) if pref else (1, 0, pack.position, pack.id)

    return [LibraryPack(pack=pack, source=source, hidden=pack.id in prefs and not prefs[pack.id].visible)
            for pack, source in sorted(packs.values(), key=order)]


def set_picker(*, user: User, order: Any = None, hidden: Any = None, picker_hidden: Any = None) -> None:
    """Store the user's pack order and hidden packs (slugs); omitted fields keep their value."""
    items = library(user=user)
    by_slug = {item.pack.slug: item for item in items}
    order = _slugs(order, "order", by_slug) if order is not None else [item.pack.slug for item in items]
    if len(set(order)) != len(order):
        raise InvalidInput("order lists a pack twice.")
    rest = [item.pack.slug for item in items if item.pack.slug not in order]
    hidden_set = set(_slugs(hidden, "hidden", by_slug)) if hidden is not None else {
        item.pack.slug for item in items if item.hidden}
    if picker_hidden is not None and not isinstance(picker_hidden, bool):
        raise InvalidInput("picker_hidden must be true or false.")
    try:
        with transaction():
            _store_picker(user, [by_slug[slug].pack for slug in order + rest], hidden_set, picker_hidden)
    except IntegrityError:
        raise Conflict("Your picker was changed at the same time elsewhere; reload and try again.") from None


def _store_picker(user: User, packs: list[Pack], hidden_slugs: set[str], picker_hidden: bool | None) -> None:
    existing = {row.pack_id: row for row in db.session.scalars(select(PickerPack).where(PickerPack.user_id == user.id))}
    for position, pack in enumerate(packs):
        row = existing.get(pack.id) or PickerPack(user_id=user.id, pack_id=pack.id)
        row.position, row.visible = position, pack.slug not in hidden_slugs
        db.session.add(row)
    if picker_hidden is not None:
        user.picker_hidden = picker_hidden


def add_to_picker(*, user: User, slug: str) -> Entitlement:
    """Put a pack in the user's picker (idempotent): a free pack is granted, and a pack the user
    may use is shown again if they hid it. Paid packs must be bought first."""
    pack = published_pack(slug)
    with transaction():
        if pack.is_free:
            entitlement, _changed = entitlements.grant(user_id=user.id, pack_id=pack.id, source="free")
        else:
            entitlement = entitlements.find_entitlement(user_id=user.id, pack_id=pack.id)
            if entitlement is None or entitlement.revoked_at is not None:
                raise InvalidInput(f"{pack.name} is a paid pack: buy it with POST /api/v1/checkout.")
        show_in_picker(user_id=user.id, pack_id=pack.id)
    return entitlement


def show_in_picker(*, user_id: int, pack_id: int) -> None:
    """Un-hide a pack the user hid (their order is kept); no commit: the caller's use case owns it."""
    db.session.execute(update(PickerPack).where(PickerPack.user_id == user_id, PickerPack.pack_id == pack_id)
                       .values(visible=True))


def _slugs(value: Any, name: str, known: dict) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(slug, str) for slug in value) or len(value) > 1000:
        raise InvalidInput(f"{name} must be a list of pack slugs.")
    unknown = [slug for slug in value if slug not in known]
    if unknown:
        raise InvalidInput(f"{name}: not in your library: {', '.join(unknown[:5])}.")
    return value


def favourite_stickers(*, user: User) -> list[Sticker]:
    """Starred stickers the user may still use, most recently starred first."""
    usable = {item.pack.id for item in library(user=user)}
    stickers = db.session.scalars(
        select(Sticker).join(Favourite, Favourite.sticker_id == Sticker.id)
        .where(Favourite.user_id == user.id).options(selectinload(Sticker.pack))
        .order_by(Favourite.created_at.desc(), Favourite.id.desc())
    )
    return [sticker for sticker in stickers if sticker.pack_id in usable]


def add_favourite(*, user: User, sticker_id: int) -> None:
    """Star a sticker of a pack the user may use (404 otherwise: paid stickers stay private)."""
    sticker = db.session.get(Sticker, sticker_id)
    if sticker is None or sticker.pack_id not in {item.pack.id for item in library(user=user)}:
        raise NotFound("No such sticker in your library.")
    count = db.session.scalar(select(db.func.count(Favourite.id)).where(Favourite.user_id == user.id))
    if count >= MAX_FAVOURITES:
        raise NotAllowed(f"You can star up to {MAX_FAVOURITES} stickers.", errcode="M_RESOURCE_LIMIT_EXCEEDED")
    with transaction():
        try:
            with db.session.begin_nested():
                db.session.add(Favourite(user_id=user.id, sticker_id=sticker.id))
        except IntegrityError:
            pass  # already starred: starring is idempotent


def remove_favourite(*, user: User, sticker_id: int) -> None:
    with transaction():
        db.session.execute(delete(Favourite).where(Favourite.user_id == user.id, Favourite.sticker_id == sticker_id))
