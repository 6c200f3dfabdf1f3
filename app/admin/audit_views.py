"""Admin console: the audit log (page /admin/audit, JSON /api/v1/admin/audit). Reads only: the
app has no path that changes or deletes an audit line (app/audit.py refuses it)."""
from __future__ import annotations

from flask import jsonify, render_template, request

from app import audit
from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_api, admin_page
from app.exceptions import InvalidInput
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin_audit", __name__, policy=ADMIN_PAGE)
api = PolicyBlueprint("admin_audit_api", __name__, policy=ADMIN_API)
blueprints = (bp, api)

PAGE_SIZE = 50
MAX_LIMIT = 500


def _filters() -> dict:
    """actor, action, target from the query string (blank means any)."""
    return {name: (request.args.get(name) or "").strip()[:255] or None for name in ("actor", "action", "target")}


def _page(limit: int) -> tuple[list, int | None]:
    """One page of lines after ?before=<id>, and the cursor of the next page (None: the last)."""
    before = request.args.get("before")
    if before is not None and not before.isdigit():
        raise InvalidInput("before must be the cursor of a previous page (a line's id).")
    lines = audit.recent(**_filters(), limit=limit + 1, before=int(before) if before else None)
    return lines[:limit], (lines[limit - 1].id if len(lines) > limit else None)


@bp.get("/admin/audit")
@admin_page
def audit_page():
    lines, next_before = _page(PAGE_SIZE)
    return render_template("admin/audit.html", lines=lines, filters=_filters(), next_before=next_before,
                           paged="before" in request.args)


@api.get("/api/v1/admin/audit")
@admin_api
def audit_entries():
    """?actor=&action=&target= (exact), ?limit= (1-500, default 50), ?before=<next_before of the
    previous page>; newest first."""
    raw_limit = request.args.get("limit", str(PAGE_SIZE))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    lines, next_before = _page(int(raw_limit))
    return jsonify(entries=[_entry_json(line) for line in lines], next_before=next_before)


def _entry_json(line) -> dict:
    return {"id": line.id, "at": line.at.isoformat(), "actor": line.actor, "action": line.action,
            "target": line.target, "details": line.details}
