"""What every command group shares."""
import sys
from contextlib import contextmanager
from typing import Iterator

import click

from app.exceptions import AppError


def exit_with_error(error: AppError):
    """Print a domain error for the operator and exit 1."""
    click.echo(f"Error: {error.message}", err=True)
    sys.exit(1)


@contextmanager
def exiting_on_app_error() -> Iterator[None]:
    """Run a command's use case; a domain error becomes the operator's message and exit status 1."""
    try:
        yield
    except AppError as error:
        exit_with_error(error)
