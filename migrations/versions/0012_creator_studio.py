"""creator studio: review fields and versions on packs, sticker perceptual hashes, creator activity (quotas), pack reports

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


# packs and stickers keep SQLite AUTOINCREMENT (0008) when batch mode rebuilds them.
def upgrade():
    with op.batch_alter_table('packs', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('version_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_index(batch_op.f('ix_packs_version_of_id'), ['version_of_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_packs_version_of_id_packs'), 'packs', ['version_of_id'], ['id'])
    with op.batch_alter_table('stickers', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('phash', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_stickers_phash'), ['phash'], unique=False)
    op.create_table(
        'creator_activity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('bytes', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_creator_activity_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_creator_activity')),
    )
    op.create_index('ix_creator_activity_user_kind_at', 'creator_activity', ['user_id', 'kind', 'at'], unique=False)
    op.create_table(
        'pack_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pack_id', sa.Integer(), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolution', sa.String(length=16), nullable=True),
        sa.Column('resolved_by', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(['pack_id'], ['packs.id'], name=op.f('fk_pack_reports_pack_id_packs')),
        sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_pack_reports_reporter_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pack_reports')),
    )
    with op.batch_alter_table('pack_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pack_reports_pack_id'), ['pack_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pack_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pack_reports_pack_id'))
    op.drop_table('pack_reports')
    op.drop_index('ix_creator_activity_user_kind_at', table_name='creator_activity')
    op.drop_table('creator_activity')
    with op.batch_alter_table('stickers', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stickers_phash'))
        batch_op.drop_column('phash')
    with op.batch_alter_table('packs', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_packs_version_of_id_packs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_packs_version_of_id'))
        batch_op.drop_column('version')
        batch_op.drop_column('version_of_id')
        batch_op.drop_column('review_note')
        batch_op.drop_column('submitted_at')
