"""Test databases: a SQLite file by default, or a fresh PostgreSQL database per run.

TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test runs the suite on PostgreSQL; a
database named after the run is created beside it and dropped afterwards, so parallel runs
never see each other's rows.
"""
from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import normalise_database_url
from app.extensions import db


class TestDatabase:
    def __init__(self, tmpdir: str):
        base = os.environ.get("TEST_DATABASE_URL", "")
        self.admin_url = None
        if base.startswith(("postgres://", "postgresql")):
            url = make_url(normalise_database_url(base))
            name = f"hexpack_test_{uuid.uuid4().hex[:10]}"
            self.admin_url = url.set(database="postgres")
            self.name = name
            self.url = url.set(database=name).render_as_string(hide_password=False)
            engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            engine.dispose()
        else:
            self.url = "sqlite:///" + os.path.join(tmpdir, "test.sqlite3")

    @property
    def is_postgres(self) -> bool:
        return self.admin_url is not None

    def drop(self) -> None:
        if self.admin_url is None:
            return
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


def empty_tables() -> None:
    """Delete every row of the app's tables (TRUNCATE ... RESTART IDENTITY on PostgreSQL), in the
    current app context, so each test starts from the migrated schema with no data."""
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
    db.session.commit()
