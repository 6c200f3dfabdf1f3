"""Admin console: packs (pages under /admin/packs, JSON under /api/v1/admin)."""
from __future__ import annotations

from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_api, admin_page  # noqa: F401 (used by the routes)
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin_packs", __name__, policy=ADMIN_PAGE)
api = PolicyBlueprint("admin_packs_api", __name__, policy=ADMIN_API)
blueprints = (bp, api)
