"""flask audit list: read the append-only audit log, newest first."""
import json

import click


@click.group("audit", help="Read the audit log (grants, revokes, payments, disputes, imports).")
def audit_group():
    pass


@audit_group.command("list")
@click.option("--actor", help="Only this actor (a Matrix ID, stripe, cli:<user>, system).")
@click.option("--action", help="Only this action (e.g. entitlement.grant, order.refunded).")
@click.option("--target", help="Only this target (e.g. pack:<slug>, order:<id>, user:<matrix id>).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000), help="At most this many lines.")
def list_command(actor, action, target, limit):
    """List audit events, newest first: time, actor, action, target, details."""
    from app.audit import recent

    lines = recent(actor=actor, action=action, target=target, limit=limit)
    for line in lines:
        details = json.dumps(line.details, sort_keys=True, separators=(",", ":"))
        click.echo(f"{line.at:%Y-%m-%d %H:%M:%S} {line.actor:24} {line.action:24} {line.target:32} {details}")
    click.echo(f"{len(lines)} event(s).")
