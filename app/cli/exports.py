"""flask exports sync|status: packs the bot keeps in users' Matrix rooms (MSC2545), for operators and cron."""
import time

import click

from app.cli.common import exiting_on_app_error


@click.group("exports", help="Packs exported to users' Matrix rooms: write what is due, show the queue.")
def exports_group():
    pass


@exports_group.command("sync")
@click.option("--limit", default=100, show_default=True, help="Most exports to write in one run.")
@click.option("--ignore-backoff", is_flag=True, help="Also retry exports whose next attempt is later.")
@click.option("--loop", "interval", type=float, help="Run again every INTERVAL seconds until stopped.")
def sync_command(limit, ignore_backoff, interval):
    """Write (or empty, after a refund, revoke or takedown) every export that is due."""
    from app.exports.sync_services import sync_due

    while True:
        with exiting_on_app_error():
            report = sync_due(limit=limit, ignore_backoff=ignore_backoff)
        click.echo(f"Written {report.written}, retrying later {report.retrying}, refused {report.failed}.")
        if not interval:
            return
        time.sleep(interval)


@exports_group.command("status")
def status_command():
    """How many exports wait for a sync."""
    from app.exports.jobs import count_due

    click.echo(f"Exports waiting for a sync: {count_due()}.")
