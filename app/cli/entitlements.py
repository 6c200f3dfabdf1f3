"""flask entitlements grant|revoke|list: thin commands over the ownership use cases."""
import click

from app.cli.common import exiting_on_app_error


@click.group("entitlements", help="Grant, revoke and list who owns which pack.")
def entitlements_group():
    pass


@entitlements_group.command("grant")
@click.argument("matrix_id")
@click.argument("slug")
def grant_command(matrix_id, slug):
    """Give MATRIX_ID the pack SLUG (source 'grant'); restores a revoked one."""
    from app.audit import cli_actor
    from app.packs.ownership import grant_pack

    with exiting_on_app_error():
        entitlement, changed = grant_pack(matrix_id=matrix_id, slug=slug, actor=cli_actor())
    if changed:
        click.echo(f"Granted {slug} to {matrix_id}.")
    else:
        click.echo(f"{matrix_id} already has {slug} (source: {entitlement.source}); nothing changed.")


@entitlements_group.command("revoke")
@click.argument("matrix_id")
@click.argument("slug")
def revoke_command(matrix_id, slug):
    """Take the pack SLUG away from MATRIX_ID, whatever the source (reason 'admin')."""
    from app.audit import cli_actor
    from app.packs.ownership import revoke_pack

    with exiting_on_app_error():
        revoked = revoke_pack(matrix_id=matrix_id, slug=slug, actor=cli_actor())
    if revoked:
        click.echo(f"Revoked {slug} from {matrix_id}.")
    else:
        click.echo(f"{matrix_id} does not have {slug}; nothing changed.")


@entitlements_group.command("list")
@click.option("--user", "matrix_id", help="Only this Matrix ID.")
@click.option("--pack", "slug", help="Only this pack.")
@click.option("--active", is_flag=True, help="Hide revoked entitlements.")
def list_command(matrix_id, slug, active):
    """List entitlements: user, pack, source, order, granted or revoked."""
    from app.packs.entitlements import list_entitlements

    rows = list_entitlements(matrix_id=matrix_id, slug=slug, include_revoked=not active)
    if not rows:
        click.echo("No entitlements.")
    for entitlement in rows:
        state = (f"revoked {entitlement.revoked_at:%Y-%m-%d %H:%M} ({entitlement.revoke_reason})"
                 if entitlement.revoked_at else f"granted {entitlement.granted_at:%Y-%m-%d %H:%M}")
        order = entitlement.order.public_id if entitlement.order else "-"
        click.echo(f"{entitlement.user.matrix_id:32} {entitlement.pack.slug:24} {entitlement.source:9} {order:28} {state}")
    click.echo(f"{len(rows)} entitlement(s).")
