"""Per-creator quotas (packs, stickers per pack, upload bytes and submissions per 24 hours).

Reads only; services.py records each upload and submission as a CreatorActivity row in the same
transaction as the change, so a failed change counts nothing.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import CreatorActivity, Pack, Sticker, User, utcnow
from app.studio.rules import QuotaExceeded

DAY = timedelta(hours=24)
UPLOAD, SUBMIT = "upload", "submit"


def _today(user: User, kind: str, aggregate):
    return db.session.scalar(select(aggregate).where(
        CreatorActivity.user_id == user.id, CreatorActivity.kind == kind, CreatorActivity.at > utcnow() - DAY))


def check_pack_quota(user: User) -> None:
    limit = current_app.config["CREATOR_MAX_PACKS"]
    count = db.session.scalar(select(func.count(Pack.id)).where(Pack.creator_id == user.id,
                                                              Pack.version_of_id.is_(None)))
    if count >= limit:
        raise QuotaExceeded(f"You have {count} packs; the limit is {limit} (CREATOR_MAX_PACKS). "
                            "Delete a draft to make room.")


def check_sticker_quota(pack: Pack, adding: int) -> None:
    limit = current_app.config["CREATOR_MAX_STICKERS"]
    count = db.session.scalar(select(func.count(Sticker.id)).where(Sticker.pack_id == pack.id))
    if count + adding > limit:
        raise QuotaExceeded(f"The pack has {count} stickers and this upload adds {adding}; the limit is {limit} "
                            "stickers per pack (CREATOR_MAX_STICKERS).")


def room_for_stickers(pack: Pack) -> int:
    count = db.session.scalar(select(func.count(Sticker.id)).where(Sticker.pack_id == pack.id))
    return max(current_app.config["CREATOR_MAX_STICKERS"] - count, 0)


def check_upload_quota(user: User, received: int) -> None:
    limit = current_app.config["CREATOR_UPLOAD_BYTES_PER_DAY"]
    used = _today(user, UPLOAD, func.coalesce(func.sum(CreatorActivity.bytes), 0))
    if used + received > limit:
        raise QuotaExceeded(f"This upload ({received} bytes) would pass your limit of {limit} bytes per 24 hours "
                            f"(CREATOR_UPLOAD_BYTES_PER_DAY); {max(limit - used, 0)} bytes are left. Try again later.")


def check_submission_quota(user: User) -> None:
    limit = current_app.config["CREATOR_SUBMISSIONS_PER_DAY"]
    used = _today(user, SUBMIT, func.count(CreatorActivity.id))
    if used >= limit:
        raise QuotaExceeded(f"You have submitted {used} times in the last 24 hours; the limit is {limit} "
                            "(CREATOR_SUBMISSIONS_PER_DAY). Try again later.")


def record(user: User, kind: str, size: int = 0) -> None:
    db.session.add(CreatorActivity(user_id=user.id, kind=kind, bytes=size))
