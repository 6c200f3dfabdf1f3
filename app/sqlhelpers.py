"""Small SQL helpers that let the database, not a prior SELECT, decide uniqueness."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def insert_or_ignore(model, values: dict, conflict_columns: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when this call inserted the row.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and then
    does nothing (or inserts, if that one rolled back); SQLite serialises writers anyway.
    """
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
                 .returning(table.c[conflict_columns[0]]))
    # RETURNING rather than rowcount: psycopg reports -1 for this statement through SQLAlchemy.
    return db.session.execute(statement).first() is not None
