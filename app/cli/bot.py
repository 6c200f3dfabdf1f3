"""flask bot deliver|status|send: the Hexpack bot's outbox, for operators and cron."""
import time

import click

from app.cli.common import exit_with_error
from app.exceptions import AppError


@click.group("bot", help="The Hexpack bot: deliver and inspect its outbox of direct messages.")
def bot_group():
    pass


@bot_group.command("deliver")
@click.option("--limit", default=100, show_default=True, help="Most messages to send in one run.")
@click.option("--ignore-backoff", is_flag=True, help="Also retry messages whose next attempt is later.")
@click.option("--loop", "interval", type=float, help="Run again every INTERVAL seconds until stopped.")
def deliver_command(limit, ignore_backoff, interval):
    """Send every due message (new ones and retries whose backoff has passed)."""
    from app.bot.services import deliver_due

    while True:
        try:
            report = deliver_due(limit=limit, ignore_backoff=ignore_backoff)
        except AppError as error:
            exit_with_error(error)
        click.echo(f"Sent {report.sent}, retrying later {report.retrying}, refused {report.failed}.")
        if not interval:
            return
        time.sleep(interval)


@bot_group.command("status")
def status_command():
    """Counts of queued, due, sent and refused messages; the oldest queued with their last error."""
    from app.bot.outbox import outbox_status

    status = outbox_status()
    click.echo(f"Queued {status.queued} ({status.due} due now), sent {status.sent}, refused {status.failed}.")
    for message in status.waiting:
        click.echo(f"  queued #{message.id} to {message.recipient}: {message.attempts} attempt(s), "
                   f"next {message.next_attempt_at:%Y-%m-%d %H:%M:%S}, last error: {message.last_error or '-'}")
    for message in status.recently_failed:
        click.echo(f"  refused #{message.id} to {message.recipient}: {message.last_error}")


@bot_group.command("send")
@click.argument("matrix_id")
@click.argument("text")
def send_command(matrix_id, text):
    """Queue TEXT as a message to MATRIX_ID (a test of the bot); `bot deliver` sends it."""
    from html import escape

    from app.bot.services import queue_notice

    try:
        message = queue_notice(matrix_id, text, escape(text))
    except AppError as error:
        exit_with_error(error)
    click.echo(f"Queued message #{message.id} to {matrix_id}.")
