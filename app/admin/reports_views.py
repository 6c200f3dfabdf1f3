"""Admin console: reports about packs, grouped by pack (/admin/reports, /api/v1/admin/reports)."""
from __future__ import annotations

from flask import flash, g, jsonify, redirect, render_template, url_for

from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_api, admin_page
from app.exceptions import AppError
from app.reports import services
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin_reports", __name__, policy=ADMIN_PAGE)
api = PolicyBlueprint("admin_reports_api", __name__, policy=ADMIN_API)
blueprints = (bp, api)
DONE = {"dismiss": "Dismissed the reports about {slug}.", "hide": "Hid {slug}: out of the store; owners keep it.",
        "remove": "Removed {slug} from the store and every picker."}


@bp.get("/admin/reports")
@admin_page
def reports_page():
    return render_template("admin/reports.html", entries=services.open_reports())


@bp.post("/admin/reports/<slug>/<action>")
@admin_page
def resolve_form(slug: str, action: str):
    try:
        _pack, count = services.resolve_reports(slug, action, actor=g.admin.matrix_id)
    except AppError as error:
        flash(error.message, "error")
    else:
        flash(DONE[action].format(slug=slug) + f" ({count} report(s) closed.)", "info")
    return redirect(url_for("admin_reports.reports_page"))


@api.get("/api/v1/admin/reports")
@admin_api
def reports():
    return jsonify(packs=[_entry_json(entry) for entry in services.open_reports()])


@api.post("/api/v1/admin/reports/<slug>/<action>")
@admin_api
def resolve(slug: str, action: str):
    pack, count = services.resolve_reports(slug, action, actor=g.admin.matrix_id)
    return jsonify(slug=slug, status=pack.status, closed=count)


def _entry_json(entry) -> dict:
    return {"slug": entry.pack.slug, "name": entry.pack.name, "status": entry.pack.status,
            "reports": [{"id": report.id, "reason": report.reason, "details": report.details,
                         "reporter": entry.reporters.get(report.reporter_id, ""),
                         "created_at": report.created_at.isoformat()} for report in entry.reports]}
