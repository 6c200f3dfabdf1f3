"""What every command group shares."""
import sys

import click

from app.exceptions import AppError


def exit_with_error(error: AppError):
    """Print a domain error for the operator and exit 1."""
    click.echo(f"Error: {error.message}", err=True)
    sys.exit(1)
