"""Command-line interface: thin click commands that call services."""
import sys

import click
from flask import Flask
from sqlalchemy import func, select

from app.exceptions import AppError
from app.extensions import db


def exit_with_error(error: AppError):
    """Print a domain error for the operator and exit 1 (shared by every command group)."""
    click.echo(f"Error: {error.message}", err=True)
    sys.exit(1)


def register_cli(app: Flask) -> None:
    app.cli.add_command(packs_group)
    app.cli.add_command(assets_group)
    from app.packs.entitlements_cli import entitlements_group

    app.cli.add_command(entitlements_group)


@click.group("packs", help="Import, publish and list sticker packs.")
def packs_group():
    pass


@packs_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def import_command(paths):
    """Import packs from folders or .zip files (pack.json), or a maunium packs/ folder."""
    from app.packs.importer import import_path

    for path in paths:
        click.echo(f"Importing {path} ...")
        try:
            results = import_path(path, progress=lambda message: click.echo(f"  {message}"))
        except AppError as error:
            exit_with_error(error)
        for result in results:
            state = "created" if result.created else ("updated" if result.changed else "unchanged")
            click.echo(f"Pack {result.slug}: {state}, {result.stickers} stickers.")


@packs_group.command("publish")
@click.argument("slug", required=False)
def publish_command(slug):
    """Upload stickers to MATRIX_HOMESERVER_URL (once; re-runs skip uploaded ones)."""
    from app.packs.publish import publish_packs

    try:
        result = publish_packs(slug=slug, progress=lambda message: click.echo(f"  {message}"))
    except AppError as error:
        exit_with_error(error)
    click.echo(f"Published: {result.uploaded} uploaded, {result.skipped} already on the homeserver.")


@packs_group.command("list")
def list_command():
    """List packs with their sticker counts and publishing state."""
    from app.models import Pack, Sticker
    from app.payments.money import format_money

    rows = db.session.execute(
        select(Pack.slug, Pack.name, Pack.price_amount, Pack.currency, Pack.status,
               func.count(Sticker.id), func.count(Sticker.mxc_uri))
        .join(Sticker, Sticker.pack_id == Pack.id, isouter=True)
        .group_by(Pack.id).order_by(Pack.position)
    ).all()
    if not rows:
        click.echo("No packs yet. Import one with 'flask --app wsgi packs import PATH'.")
    for slug, name, amount, currency, status, total, published in rows:
        price = "free" if amount == 0 else format_money(amount, currency)
        click.echo(f"{slug:24} {name[:30]:30} {price:>10} {status:10} {published}/{total} published")


@click.group("assets", help="Build and check the content-hashed static assets.")
def assets_group():
    pass


@assets_group.command("build")
def assets_build():
    """Write app/static/dist from app/static/src."""
    from app.assets import build

    manifest = build()
    click.echo(f"Built {len(manifest)} assets into app/static/dist.")


@assets_group.command("check")
def assets_check():
    """Exit non-zero when app/static/dist is stale."""
    from app.assets import expected_manifest, load_manifest

    if expected_manifest() != load_manifest():
        click.echo("app/static/dist is stale: run 'flask --app wsgi assets build' and commit it.", err=True)
        sys.exit(1)
    click.echo("Assets are up to date.")
