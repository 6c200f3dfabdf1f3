"""store search: a trigram index (PostgreSQL pg_trgm) on the text a store search matches

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:10:00

"""
from alembic import op
from sqlalchemy.exc import DBAPIError


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# The expression of app.store.services.SEARCHED_TEXT (the store's search matches it).
SEARCHED_TEXT = "lower(name || ' ' || author || ' ' || description || ' ' || slug)"


def upgrade():
    # A store search is `LIKE '%term%'` on every published pack: without an index it reads all of
    # them (about 70 ms at 10,000 packs); a GIN trigram index answers from the index. SQLite has
    # no such index and scans, which a small store does not notice.
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    try:
        with bind.begin_nested():
            op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except DBAPIError:
        return  # a role that may not create extensions: searches still work, by scanning
    # Not partial (WHERE status = 'published'): PostgreSQL 15 then no longer used it for the query.
    op.execute(f"CREATE INDEX IF NOT EXISTS ix_packs_search_trgm ON packs USING gin (({SEARCHED_TEXT}) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_packs_search_trgm')
