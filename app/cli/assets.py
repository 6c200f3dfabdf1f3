"""flask assets build|check: the content-hashed static assets."""
import sys

import click


@click.group("assets", help="Build and check the content-hashed static assets.")
def assets_group():
    pass


@assets_group.command("build")
def assets_build():
    """Write app/static/dist from app/static/src (files and bundles)."""
    from app.assets import build

    manifest = build()
    click.echo(f"Built {len(manifest)} assets into app/static/dist.")


@assets_group.command("check")
def assets_check():
    """Exit non-zero when app/static/dist is stale."""
    from app.assets import stale_assets

    stale = stale_assets()
    if stale:
        click.echo(f"app/static/dist is stale ({', '.join(stale)}): "
                   "run 'flask --app wsgi assets build' and commit it.", err=True)
        sys.exit(1)
    click.echo("Assets are up to date.")
