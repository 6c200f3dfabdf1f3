"""One way to commit: a unit of work that commits on success and rolls back on any error."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from app.extensions import db


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the session when the block ends; roll back and re-raise if anything escapes it.

    Use cases wrap their writes in this instead of writing commit/rollback by hand, so that a
    failed unit of work never leaves a half-written session behind for the next request.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
