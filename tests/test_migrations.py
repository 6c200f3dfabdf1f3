"""The Alembic migrations build exactly the schema the models declare, and unwind cleanly."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from tests.support import database as test_databases


@pytest.fixture
def fresh_app(tmp_path):
    """An app on a brand-new, empty database (SQLite, or PostgreSQL under TEST_DATABASE_URL)."""
    database = test_databases.TestDatabase(str(tmp_path))
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database.url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    database.drop()


def schema_diff() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_produce_the_models_schema(fresh_app):
    upgrade()
    assert schema_diff() == []


def test_upgrade_is_idempotent_and_downgrade_removes_everything(fresh_app):
    upgrade()
    upgrade()  # the release phase runs on every deploy
    tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables

    downgrade(revision="base")

    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
