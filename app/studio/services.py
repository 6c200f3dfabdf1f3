"""Studio use cases on packs: create, change, delete, submit for review, withdraw.

Each commits through transaction() with its audit line; a creator only ever reaches their own
packs (another user's pack is NotFound, as if it did not exist).
"""
from __future__ import annotations

from flask import current_app
from markupsafe import escape
from sqlalchemy import delete, func, select

from app import audit
from app.bot.outbox import enqueue_message
from app.exceptions import Conflict, NotFound
from app.extensions import db
from app.models import Pack, Sticker, User, utcnow
from app.studio import quotas, rules
from app.transactions import transaction


def creator_packs(user: User) -> list[Pack]:
    return list(db.session.scalars(select(Pack).where(Pack.creator_id == user.id).order_by(Pack.created_at, Pack.id)))


def owned_pack(user: User, slug: str) -> Pack:
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug, Pack.creator_id == user.id))
    if pack is None:
        raise NotFound(f"You have no pack named {slug!r}.")
    return pack


def create_pack(user: User, data: dict) -> Pack:
    rules.ensure_may_create(user.matrix_id)
    values = rules.pack_fields(data, partial=False)
    rules.check_license_terms(values["license"], values["attribution"])
    with transaction():
        quotas.check_pack_quota(user)
        position = (db.session.scalar(select(func.max(Pack.position))) or 0) + 1
        pack = Pack(slug=_free_slug(values["name"]), status=rules.DRAFT, creator_id=user.id, author=user.matrix_id,
                    position=position, revision=1, review_note="", **values)
        db.session.add(pack)
        db.session.flush()
        audit.record(user.matrix_id, "pack.create", f"pack:{pack.slug}", price_amount=pack.price_amount,
                     currency=pack.currency)
    return pack


def _free_slug(name: str) -> str:
    base = rules.slug_base(name)
    taken = set(db.session.scalars(select(Pack.slug).where(Pack.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    return next(f"{base}-{number}" for number in range(2, len(taken) + 3) if f"{base}-{number}" not in taken)


def update_pack(user: User, slug: str, data: dict) -> Pack:
    with transaction():
        pack = owned_pack(user, slug)
        rules.ensure_editable(pack.status)
        values = rules.pack_fields(data, partial=True, price=(pack.price_amount, pack.currency))
        rules.check_license_terms(values.get("license", pack.license), values.get("attribution", pack.attribution))
        changed = sorted(key for key, value in values.items() if getattr(pack, key) != value)
        for key in changed:
            setattr(pack, key, values[key])
        if changed:
            pack.revision += 1
            audit.record(user.matrix_id, "pack.update", f"pack:{slug}", fields=changed)
    return pack


def delete_pack(user: User, slug: str) -> None:
    with transaction():
        pack = owned_pack(user, slug)
        if pack.status != rules.DRAFT:
            raise Conflict(f"Only a draft can be deleted; this pack is {pack.status}.")
        db.session.execute(delete(Sticker).where(Sticker.pack_id == pack.id))
        db.session.delete(pack)
        audit.record(user.matrix_id, "pack.delete", f"pack:{slug}")


def submit_pack(user: User, slug: str) -> Pack:
    """draft|rejected -> in_review; Conflict (409) with the reason otherwise."""
    with transaction():
        pack = owned_pack(user, slug)
        if pack.status not in rules.EDITABLE:
            raise Conflict(f"The pack is {pack.status}; only a draft or a rejected pack can be submitted.")
        count = db.session.scalar(select(func.count(Sticker.id)).where(Sticker.pack_id == pack.id))
        if count == 0:
            raise Conflict("The pack is empty; upload at least one sticker before submitting.")
        quotas.check_sticker_quota(pack, 0)
        quotas.check_submission_quota(user)
        if not pack.is_free and not rules.payouts_ready(user):
            raise Conflict("A paid pack needs payouts set up first: choose 'Get paid' in the studio (POST "
                           "/api/v1/studio/payouts/onboarding) and finish Stripe's onboarding, then submit. "
                           "Or make the pack free (price_amount 0).", errcode="ORG.HEXPACK.PAYOUTS_NOT_READY")
        previous = pack.status
        pack.status, pack.submitted_at, pack.review_note = rules.IN_REVIEW, utcnow(), ""
        quotas.record(user, quotas.SUBMIT)
        audit.record(user.matrix_id, "pack.submit", f"pack:{slug}", previous=previous, stickers=count)
        _tell_admins(pack, user, count)
    return pack


def withdraw_pack(user: User, slug: str) -> Pack:
    with transaction():
        pack = owned_pack(user, slug)
        if pack.status != rules.IN_REVIEW:
            raise Conflict(f"The pack is {pack.status}, not in review; there is nothing to withdraw.")
        pack.status = rules.DRAFT
        audit.record(user.matrix_id, "pack.withdraw", f"pack:{slug}")
    return pack


def _tell_admins(pack: Pack, creator: User, count: int) -> None:
    admins = sorted({item.strip() for item in current_app.config["ADMIN_MATRIX_IDS"].split(",") if item.strip()})
    link = current_app.config["PUBLIC_URL"].rstrip("/") + "/admin/review"
    body = f"{creator.matrix_id} submitted the pack \"{pack.name}\" ({count} stickers) for review: {link}"
    html = (f"{_escape(creator.matrix_id)} submitted the pack <b>{_escape(pack.name)}</b> ({count} stickers) "
            f"for review: <a href=\"{_escape(link)}\">{_escape(link)}</a>")
    for admin in admins:
        enqueue_message(admin, body, html)


def _escape(text: str) -> str:
    return str(escape(text))
