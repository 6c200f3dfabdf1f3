"""The operators' side: the admin console (/admin) and its JSON twin (/api/v1/admin).

One view module per screen (`*_views.py`), each with its page blueprint and its API blueprint
(`blueprints` lists both, for the factory); `access` is who may use them; the use cases live in
`services` modules so the CLI, the console and the JSON API share them.
"""
# The view modules the app factory registers, in this order (each exposes `blueprints`).
VIEW_MODULES = (
    "app.admin.views",
    "app.admin.packs_views",
    "app.admin.orders_views",
    "app.admin.users_views",
    "app.admin.audit_views",
    "app.admin.review_views",
    "app.admin.reports_views",
)
