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
    statement = (_insert()(table).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
                 .returning(table.c[conflict_columns[0]]))
    # RETURNING rather than rowcount: psycopg reports -1 for this statement through SQLAlchemy.
    return db.session.execute(statement).first() is not None


def insert_new(model, values: dict, conflict_columns: list[str]):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the row as a loaded `model` object; None if the row existed.

    One round trip where insert_or_ignore and a SELECT of the new row would take two.
    """
    statement = (_insert()(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
                 .returning(model))
    return db.session.scalars(statement).first()


def _insert():
    return postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
