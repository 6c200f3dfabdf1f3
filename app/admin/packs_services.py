"""Operators' pack use cases, shared by the console, the JSON API and `flask packs`: list every
pack, change its status, price or place, delete it. Each change is audited in its own commit.

Statuses (each change also syncs the pack's MSC2545 exports): `published` (store and pickers), `hidden` (not listed; owners keep it in their pickers),
`removed` (nobody sees it; entitlements stay recorded). A pack that any order or entitlement ever
referenced is never deleted: hide or remove it instead, so receipts and history keep their pack.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from app import audit
from app.exceptions import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Entitlement, Favourite, Order, Pack, PackExport, PickerPack, Sticker
from app.packs import generation
from app.packs.exported import sync_pack_exports
from app.packs.pricing import price_problem
from app.transactions import transaction

STATUSES = ("published", "hidden", "removed")
SOLD = ("paid", "disputed")  # orders whose money we kept (a refunded sale is not one)


@dataclass(frozen=True)
class PackRow:
    """A pack as the console lists it."""

    pack: Pack
    stickers: int
    owners: int  # live entitlements
    sales: int  # orders paid (and not refunded)


def admin_packs() -> list[PackRow]:
    """Every pack in every status, in catalogue order, with its counts."""
    packs = list(db.session.scalars(select(Pack).order_by(Pack.position, Pack.id)))
    stickers = _counts(select(Sticker.pack_id, func.count()).group_by(Sticker.pack_id))
    owners = _counts(select(Entitlement.pack_id, func.count()).where(Entitlement.revoked_at.is_(None))
                     .group_by(Entitlement.pack_id))
    sales = _counts(select(Order.pack_id, func.count()).where(Order.status.in_(SOLD)).group_by(Order.pack_id))
    return [PackRow(pack=pack, stickers=stickers.get(pack.id, 0), owners=owners.get(pack.id, 0),
                    sales=sales.get(pack.id, 0)) for pack in packs]


def _counts(query) -> dict[int, int]:
    return {pack_id: count for pack_id, count in db.session.execute(query)}


def admin_pack(slug: str) -> Pack:
    """The pack with this slug in any status; NotFound otherwise."""
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug))
    if pack is None:
        raise NotFound(f"No pack named {slug!r}. 'flask packs list' or /admin/packs shows them.")
    return pack


def pack_view(pack: Pack) -> dict:
    """The admin JSON view of a pack."""
    return {"slug": pack.slug, "name": pack.name, "status": pack.status, "price_amount": pack.price_amount,
            "currency": pack.currency, "position": pack.position, "revision": pack.revision}


def update_pack(slug: str, *, actor: str, status: Any = None, price_amount: Any = None,
                position: Any = None) -> Pack:
    """Change any of status, price (minor units, 0 = free) and position (1 = first) in one commit;
    each field that really changes is one audit line. Invalid values change nothing."""
    pack = admin_pack(slug)
    _check(pack, status=status, price_amount=price_amount, position=position)
    with transaction():
        if status is not None and status != pack.status:
            audit.record(actor, "pack.status", f"pack:{slug}", old=pack.status, new=status)
            pack.status = status
            sync_pack_exports(pack)  # a takedown empties it in MSC2545 rooms; a reinstatement writes it again
        if price_amount is not None and price_amount != pack.price_amount:
            audit.record(actor, "pack.price", f"pack:{slug}", old=pack.price_amount, new=price_amount,
                         currency=pack.currency)
            pack.price_amount = price_amount
        if position is not None:
            _move(pack, position, actor)
    return pack


def _check(pack: Pack, *, status: Any, price_amount: Any, position: Any) -> None:
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}.")
    if price_amount is not None:
        problem = price_problem(price_amount, pack.currency)
        if problem:
            raise InvalidInput(problem)
    if position is not None and (not isinstance(position, int) or isinstance(position, bool) or position < 1):
        raise InvalidInput("position must be a whole number from 1 (first in the store).")


def _move(pack: Pack, position: int, actor: str) -> None:
    """Put the pack at `position` (1-based; past the end means last) and number every pack 1..n."""
    ordered = list(db.session.scalars(select(Pack).order_by(Pack.position, Pack.id)))
    before = ordered.index(pack) + 1
    ordered.remove(pack)
    ordered.insert(min(position, len(ordered) + 1) - 1, pack)
    for number, item in enumerate(ordered, start=1):
        if item.position != number:
            item.position = number
    if before != pack.position:
        audit.record(actor, "pack.move", f"pack:{pack.slug}", old=before, new=pack.position)


def delete_pack(slug: str, *, actor: str) -> None:
    """Delete a pack nobody ever ordered or owned, with its stickers, picker rows and favourites,
    in one commit; Conflict (409) otherwise."""
    with transaction():
        # The generation first, as every pack change takes it (one lock order, no deadlock with an
        # import); then the row: an order or grant made meanwhile waits, then fails on its foreign key.
        generation.bump(db.session.connection())
        pack = db.session.scalar(select(Pack).where(Pack.slug == slug).with_for_update())
        if pack is None:
            raise NotFound(f"No pack named {slug!r}. 'flask packs list' or /admin/packs shows them.")
        if _ever_referenced(pack):
            raise Conflict(f"{pack.name} has orders or owners, so it cannot be deleted: hide it instead "
                           "(or remove it to take it down for everyone; owners' entitlements stay recorded).")
        sticker_ids = select(Sticker.id).where(Sticker.pack_id == pack.id)
        db.session.execute(delete(Favourite).where(Favourite.sticker_id.in_(sticker_ids)))
        db.session.execute(delete(PickerPack).where(PickerPack.pack_id == pack.id))
        audit.record(actor, "pack.delete", f"pack:{slug}", name=pack.name, stickers=len(pack.stickers))
        db.session.delete(pack)  # its stickers go with it (cascade)


def deletable(pack: Pack) -> bool:
    """Whether delete_pack would delete it now (no order or entitlement ever referenced it)."""
    return not _ever_referenced(pack)


def _ever_referenced(pack: Pack) -> bool:
    for model in (Order, Entitlement, PackExport):  # an export: its room state must stay ours to empty
        if db.session.scalar(select(model.id).where(model.pack_id == pack.id).limit(1)) is not None:
            return True
    return False
