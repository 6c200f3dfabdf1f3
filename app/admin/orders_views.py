"""Admin console: orders (pages under /admin/orders, JSON under /api/v1/admin)."""
from __future__ import annotations

from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_api, admin_page  # noqa: F401 (used by the routes)
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin_orders", __name__, policy=ADMIN_PAGE)
api = PolicyBlueprint("admin_orders_api", __name__, policy=ADMIN_API)
blueprints = (bp, api)
