"""stickers.poster_sha256/poster_mimetype: a still first frame of animated thumbnails

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stickers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('poster_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('poster_mimetype', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_stickers_poster_sha256_blobs'), 'blobs', ['poster_sha256'], ['sha256'])


def downgrade():
    with op.batch_alter_table('stickers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stickers_poster_sha256_blobs'), type_='foreignkey')
        batch_op.drop_column('poster_mimetype')
        batch_op.drop_column('poster_sha256')
