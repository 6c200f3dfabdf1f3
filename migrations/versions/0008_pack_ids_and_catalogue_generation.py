"""catalogue_state (the catalogue generation); pack and sticker ids never reused (SQLite AUTOINCREMENT)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Without AUTOINCREMENT, SQLite gives a new row the highest id in use + 1, so deleting the newest
# pack handed its id (and anything cached under it) to the next import. PostgreSQL's sequences
# never go back: nothing to do there.
REBUILT = ('packs', 'stickers')


def upgrade():
    op.create_table(
        'catalogue_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_state')),
    )
    # Start above every revision already stored: revisions are set from the generation from now on.
    op.execute("INSERT INTO catalogue_state (id, generation) "
               "SELECT 1, COALESCE(MAX(revision), 0) FROM packs")
    # The README used to suggest 'withdrawn' (by hand, in SQL) for what is now 'removed'.
    op.execute("UPDATE packs SET status = 'removed' WHERE status = 'withdrawn'")
    _rebuild_on_sqlite(autoincrement=True)


def downgrade():
    _rebuild_on_sqlite(autoincrement=False)
    op.drop_table('catalogue_state')


def _rebuild_on_sqlite(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in REBUILT:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass
