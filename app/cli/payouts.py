"""flask payouts reconcile: the creators' ledger against Stripe's transfers and application fees."""
import sys

import click


@click.group("payouts", help="Creators' payouts through Stripe Connect.")
def payouts_group():
    pass


@payouts_group.command("reconcile")
def reconcile_command():
    """Print every mismatch between the ledger and Stripe; exit 1 when there is any."""
    from app.exceptions import AppError
    from app.payments.reconcile_services import reconcile

    try:
        mismatches = reconcile()
    except AppError as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(2)
    for mismatch in mismatches:
        click.echo(str(mismatch))
    click.echo(f"{len(mismatches)} mismatch(es)." if mismatches else "Ledger and Stripe agree.")
    sys.exit(1 if mismatches else 0)
