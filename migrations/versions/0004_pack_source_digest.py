"""packs.source_digest: skip re-imports of unchanged packs before decoding images

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('packs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('packs', schema=None) as batch_op:
        batch_op.drop_column('source_digest')
