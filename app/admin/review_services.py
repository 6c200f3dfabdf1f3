"""Reviewing creators' packs: the queue (oldest first, with hints), approve, reject.

Approve and reject commit the status, the audit line and the bot's message to the creator in one
transaction. After an approval the stickers are uploaded to the homeserver (app/packs/publish.py)
when MATRIX_HOMESERVER_URL and MATRIX_ACCESS_TOKEN are set; a failure there leaves the pack
approved and is reported, and `flask packs upload` finishes the job later.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import audit
from app.admin.review_hints import Hint, all_hashes, hints_for
from app.bot.outbox import enqueue_message
from app.exceptions import AppError, Conflict, NotFound
from app.extensions import db
from app.models import Pack, User
from app.packs.publish import publish_packs
from app.studio import rules, versions
from app.transactions import transaction

log = logging.getLogger(__name__)
MAX_REASON = 2000


@dataclass
class QueueEntry:
    pack: Pack
    creator: str
    hints: list[Hint]
    diff: dict | None = None  # for a new version of a published pack: what approving it changes


@dataclass
class Approval:
    pack: Pack
    uploaded: int = 0
    publish_error: str | None = None
    published_to_homeserver: bool = field(default=False)


def review_queue() -> list[QueueEntry]:
    packs = db.session.scalars(select(Pack).where(Pack.status == rules.IN_REVIEW)
                               .options(selectinload(Pack.stickers)).order_by(Pack.submitted_at, Pack.id))
    entries, hashes = [], all_hashes()
    for pack in packs:
        creator = db.session.get(User, pack.creator_id) if pack.creator_id else None
        changes = versions.diff(pack.version_of, pack) if pack.version_of is not None else None
        entries.append(QueueEntry(pack=pack, creator=creator.matrix_id if creator else "", hints=hints_for(pack, hashes),
                                  diff=changes))
    return entries


def _pack_in_review(slug: str) -> tuple[Pack, User | None]:
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug))
    if pack is None:
        raise NotFound(f"No pack named {slug!r}.")
    if pack.status != rules.IN_REVIEW:
        raise Conflict(f"The pack {slug!r} is {pack.status}, not in review.")
    return pack, db.session.get(User, pack.creator_id) if pack.creator_id else None


def approve_pack(slug: str, *, actor: str) -> Approval:
    with transaction():
        pack, creator = _pack_in_review(slug)
        version = pack.version
        if pack.version_of_id is not None:  # merged into the live pack, which keeps its status (an admin may have hidden it)
            pack = versions.merge(pack)
        else:
            pack.status, pack.review_note = rules.PUBLISHED, ""
            pack.revision += 1
        audit.record(actor, "pack.approve", f"pack:{pack.slug}", stickers=len(pack.stickers), version=version,
                     submitted_as=slug)
        if creator is not None:
            link = current_app.config["PUBLIC_URL"].rstrip("/") + f"/packs/{pack.slug}"
            enqueue_message(creator.matrix_id, f"Your pack \"{pack.name}\" was approved and is in the store: {link}",
                            f"Your pack <b>{escape(pack.name)}</b> was approved and is in the store: "
                            f"<a href=\"{escape(link)}\">{escape(link)}</a>")
    return _publish(Approval(pack=pack))


def _publish(approval: Approval) -> Approval:
    config = current_app.config
    if not (config["MATRIX_HOMESERVER_URL"] and config["MATRIX_ACCESS_TOKEN"]):
        return approval
    try:
        approval.uploaded = publish_packs(slug=approval.pack.slug).uploaded
        approval.published_to_homeserver = True
    except AppError as error:
        log.warning("approved pack %s not uploaded to the homeserver: %s", approval.pack.slug, error.message)
        approval.publish_error = error.message
    return approval


def reject_pack(slug: str, reason, *, actor: str) -> Pack:
    reason = rules.clean_text(reason, "reason", required=True, limit=MAX_REASON, multiline=True)
    with transaction():
        pack, creator = _pack_in_review(slug)
        pack.status, pack.review_note = rules.REJECTED, reason
        audit.record(actor, "pack.reject", f"pack:{slug}", reason=reason)
        if creator is not None:
            link = current_app.config["PUBLIC_URL"].rstrip("/") + "/studio"
            enqueue_message(creator.matrix_id,
                            f"Your pack \"{pack.name}\" was not approved: {reason}\nChange it and submit it again: {link}",
                            f"Your pack <b>{escape(pack.name)}</b> was not approved: {escape(reason)}<br>"
                            f"Change it and submit it again: <a href=\"{escape(link)}\">{escape(link)}</a>")
    return pack
