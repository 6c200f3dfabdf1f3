"""Admin console home (/admin); every admin URL under /admin and /api/v1/admin is claimed here so a
mistyped one answers in the right format."""
from __future__ import annotations

from flask import render_template

from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_page
from app.admin.overview_services import needs_attention, sales_summary
from app.payments.money import format_money
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin", __name__, policy=ADMIN_PAGE, claims=("/admin",))
api = PolicyBlueprint("admin_api", __name__, policy=ADMIN_API, claims=("/api/v1/admin",))
blueprints = (bp, api)


@bp.get("/admin")
@admin_page
def overview():
    return render_template("admin/overview.html", sales=sales_summary(), attention=needs_attention(),
                           money=format_money)
