"""Command-line interface: one click group per feature, thin commands that call use cases."""
from flask import Flask

from app.cli.assets import assets_group
from app.cli.audit import audit_group
from app.cli.bot import bot_group
from app.cli.entitlements import entitlements_group
from app.cli.exports import exports_group
from app.cli.packs import packs_group


def register_cli(app: Flask) -> None:
    for group in (packs_group, assets_group, entitlements_group, bot_group, audit_group, exports_group):
        app.cli.add_command(group)
