"""Which packs a user may take out of Hexpack (export to a room, download): the ones their picker
may show. A pack they own (bought, granted, added) while it is published or hidden from the store,
and any free published pack. Taken-down (`removed`) and draft packs never."""
from __future__ import annotations

from sqlalchemy import select

from app.exceptions import NotAllowed, NotFound
from app.extensions import db
from app.models import Pack, User
from app.packs.entitlements import owns

OWNED_STATUSES = ("published", "hidden")


def may_use(*, user_id: int, pack: Pack) -> bool:
    if pack.status not in OWNED_STATUSES:
        return False
    if pack.is_free and pack.status == "published":
        return True
    return owns(user_id=user_id, pack_id=pack.id)


def usable_pack(*, user: User, slug: str) -> Pack:
    """The pack `slug` if `user` may use it; NotFound when there is no such pack for them,
    NotAllowed (403) for a published paid pack they have not bought."""
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug))
    if pack is None or pack.status not in OWNED_STATUSES:
        raise NotFound(f"No pack named {slug!r}.")
    if may_use(user_id=user.id, pack=pack):
        return pack
    if pack.status == "published":
        raise NotAllowed(f"You do not own {pack.name}: buy it in the store first.")
    raise NotFound(f"No pack named {slug!r}.")
