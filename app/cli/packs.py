"""flask packs import|publish|list: thin commands over the pack use cases."""
import click

from app.cli.common import exit_with_error
from app.exceptions import AppError


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
    from app.packs.catalogue import pack_overview
    from app.payments.money import format_money

    rows = pack_overview()
    if not rows:
        click.echo("No packs yet. Import one with 'flask --app wsgi packs import PATH'.")
    for slug, name, amount, currency, status, total, published in rows:
        price = "free" if amount == 0 else format_money(amount, currency)
        click.echo(f"{slug:24} {name[:30]:30} {price:>10} {status:10} {published}/{total} published")
