"""Command-line interface: one click group per feature, thin commands that call use cases."""
from flask import Flask

from app.cli import admin_packs  # noqa: F401 (adds hide|show|remove|delete|set-price|move to packs)
from app.cli.assets import assets_group
from app.cli.audit import audit_group
from app.cli.bot import bot_group
from app.cli.entitlements import entitlements_group
from app.cli.exports import exports_group
from app.cli.orders import orders_group
from app.cli.packs import packs_group
from app.cli.payouts import payouts_group


def register_cli(app: Flask) -> None:
    for group in (packs_group, assets_group, entitlements_group, bot_group, audit_group, orders_group,
                  payouts_group, exports_group):
        app.cli.add_command(group)
