"""flask packs import|upload (alias publish)|list|hash: thin commands over the pack use cases."""
import logging
import sys

import click

from app.cli.common import exiting_on_app_error
from app.exceptions import AppError

log = logging.getLogger(__name__)

@click.group("packs", help="Import sticker packs, upload their stickers to the homeserver, list them; "
                           "publish, hide, remove, price, order and delete them.")
def packs_group():
    pass


@packs_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--name", "pack_name", help="Pack name for a Telegram Desktop export (default: the chat's name).")
@click.option("--slug", "pack_slug", help="Pack slug for a Telegram Desktop export (default: from the chat's name).")
def import_command(paths, pack_name, pack_slug):
    """Import packs from folders or .zip files (pack.json), a maunium packs/ folder, or a
    Telegram Desktop chat export (result.json and stickers/).

    Each path is imported on its own: a failure is reported and the next path is tried; the
    command exits 1 at the end if any path failed.
    """
    if (pack_name or pack_slug) and len(paths) > 1:
        raise click.UsageError("--name and --slug name one pack: give a single PATH with them.")
    failures = [path for path in paths if not _import_one(path, pack_name, pack_slug)]
    if failures:
        click.echo(f"{len(failures)} of {len(paths)} paths failed, nothing was written for them: "
                   f"{', '.join(failures)}", err=True)
        sys.exit(1)


def _import_one(path: str, pack_name: str | None = None, pack_slug: str | None = None) -> bool:
    from app.audit import cli_actor
    from app.packs.importer import import_path
    from app.packs.telegram import Naming

    click.echo(f"Importing {path} ...")
    try:
        results = import_path(path, progress=lambda message: click.echo(f"  {message}"), actor=cli_actor(),
                              naming=Naming(name=pack_name, slug=pack_slug))
    except AppError as error:
        click.echo(f"Error: {error.message}", err=True)
        return False
    except Exception as error:  # an unreadable file, a Pillow or database error: report it, try the next path
        _forget_failed_work()
        log.debug("importing %s failed", path, exc_info=True)
        click.echo(f"Error: {path}: {type(error).__name__}: {error}", err=True)
        return False
    for result in results:
        state = "created" if result.created else ("updated" if result.changed else "unchanged")
        click.echo(f"Pack {result.slug}: {state}, {_stickers(result.stickers)}.")
    return True


def _forget_failed_work() -> None:
    # A failed read outside the import's transaction leaves the session's transaction aborted
    # (PostgreSQL): roll it back so the next path starts clean.
    from app.extensions import db

    db.session.rollback()


def _stickers(count: int) -> str:
    return f"{count} sticker" if count == 1 else f"{count} stickers"


@click.command("upload")
@click.argument("slug", required=False)
def upload_command(slug):
    """Upload stickers to MATRIX_HOMESERVER_URL so they can be sent ('publish' is the older name).

    Once per sticker: re-runs skip stickers already on the homeserver."""
    from app.packs.publish import publish_packs

    with exiting_on_app_error():
        result = publish_packs(slug=slug, progress=lambda message: click.echo(f"  {message}"))
    click.echo(f"Uploaded to the homeserver: {result.uploaded} uploaded, "
               f"{result.skipped} already on the homeserver.")


# Stickers on the homeserver used to be called "published"; scripts still call it that.
packs_group.add_command(upload_command, "upload")
packs_group.add_command(upload_command, "publish")


@packs_group.command("list")
def list_command():
    """List packs: store status (published/hidden...), price, and stickers on the homeserver."""
    from app.packs.catalogue import pack_overview
    from app.payments.money import format_money

    rows = pack_overview()
    if not rows:
        click.echo("No packs yet. Import one with 'flask --app wsgi packs import PATH'.")
    for slug, name, amount, currency, status, total, uploaded in rows:
        price = "free" if amount == 0 else format_money(amount, currency)
        click.echo(f"{slug:24} {name[:30]:30} {price:>10} {status:10} {uploaded}/{total} on homeserver")


@packs_group.command("hash")
def hash_command():
    """Compute the perceptual hash of every sticker that has none (for reviewers' near-duplicate hints)."""
    from app.packs.hash_services import hash_missing

    result = hash_missing()
    click.echo(f"{result.hashed} stickers hashed, {result.unreadable} unreadable (left without a hash).")
