"""Reporting a pack, and the admins' answers: dismiss the reports, hide the pack, or remove it.

Hide: out of the store and of the free picker; people who own it keep it. Remove: gone for everyone.
Neither can take back stickers already sent: their mxc:// media stays in the rooms.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from markupsafe import escape
from sqlalchemy import select

from app import audit
from app.bot.outbox import enqueue_message
from app.exceptions import InvalidInput, NotFound
from app.extensions import db
from app.models import Pack, PackReport, User, utcnow
from app.packs.ownership import published_pack
from app.studio.rules import clean_text
from app.transactions import transaction

REASONS = ("copyright", "offensive", "spam", "other")
ACTIONS = {"dismiss": None, "hide": "hidden", "remove": "removed"}  # action -> the pack's new status
MAX_DETAILS = 2000


@dataclass
class ReportedPack:
    pack: Pack
    reports: list[PackReport]
    reporters: dict[int, str]  # user id -> Matrix ID, for admins only


def report_pack(user: User, slug: str, reason, details) -> PackReport:
    if reason not in REASONS:
        raise InvalidInput(f"'reason' must be one of: {', '.join(REASONS)}.")
    details = clean_text(details, "details", limit=MAX_DETAILS, multiline=True)
    with transaction():
        pack = published_pack(slug)
        report = PackReport(pack_id=pack.id, reporter_id=user.id, reason=reason, details=details)
        db.session.add(report)
        audit.record(user.matrix_id, "pack.report", f"pack:{slug}", reason=reason)
        _tell_admins(pack, reason, details)
    return report


def _tell_admins(pack: Pack, reason: str, details: str) -> None:
    link = current_app.config["PUBLIC_URL"].rstrip("/") + "/admin/reports"
    body = f"The pack \"{pack.name}\" ({pack.slug}) was reported: {reason}. {details[:200]} {link}"
    html = (f"The pack <b>{escape(pack.name)}</b> ({escape(pack.slug)}) was reported: <b>{reason}</b>. "
            f"{escape(details[:200])} <a href=\"{escape(link)}\">{escape(link)}</a>")
    admins = {item.strip() for item in current_app.config["ADMIN_MATRIX_IDS"].split(",") if item.strip()}
    for admin in sorted(admins):
        enqueue_message(admin, body, html)


def open_reports() -> list[ReportedPack]:
    """Packs with unresolved reports, the most reported first, then the oldest report."""
    reports = list(db.session.scalars(select(PackReport).where(PackReport.resolved_at.is_(None))
                                      .order_by(PackReport.created_at, PackReport.id)))
    grouped: dict[int, list[PackReport]] = {}
    for report in reports:
        grouped.setdefault(report.pack_id, []).append(report)
    ids = {report.reporter_id for report in reports}
    reporters = dict(db.session.execute(select(User.id, User.matrix_id).where(User.id.in_(ids))).all()) if ids else {}
    packs = {pack.id: pack for pack in db.session.scalars(select(Pack).where(Pack.id.in_(grouped)))}
    entries = [ReportedPack(pack=packs[pack_id], reports=items, reporters=reporters)
               for pack_id, items in grouped.items()]
    return sorted(entries, key=lambda entry: (-len(entry.reports), entry.reports[0].created_at))


def resolve_reports(slug: str, action: str, *, actor: str) -> tuple[Pack, int]:
    """Close the pack's open reports with `action`; hide or remove the pack. (pack, reports closed)."""
    if action not in ACTIONS:
        raise NotFound(f"No action {action!r}; use one of: {', '.join(ACTIONS)}.")
    with transaction():
        pack = db.session.scalar(select(Pack).where(Pack.slug == slug))
        if pack is None:
            raise NotFound(f"No pack named {slug!r}.")
        reports = list(db.session.scalars(select(PackReport).where(PackReport.pack_id == pack.id,
                                                                  PackReport.resolved_at.is_(None))))
        now = utcnow()
        for report in reports:
            report.resolved_at, report.resolution, report.resolved_by = now, action, actor
        status = ACTIONS[action]
        if status is not None and pack.status != status:
            audit.record(actor, f"pack.{action}", f"pack:{slug}", previous=pack.status, reports=len(reports))
            pack.status = status
            pack.revision += 1
        audit.record(actor, "pack.reports.resolve", f"pack:{slug}", resolution=action, reports=len(reports))
    return pack, len(reports)
