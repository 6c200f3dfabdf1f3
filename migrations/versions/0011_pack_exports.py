"""export_rooms, pack_exports: packs the bot writes as MSC2545 room state for each user

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_rooms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.String(length=255), nullable=True),
        sa.Column('creating_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_export_rooms_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_rooms')),
        sa.UniqueConstraint('user_id', name=op.f('uq_export_rooms_user_id')),
    )
    op.create_table(
        'pack_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('pack_id', sa.Integer(), nullable=False),
        sa.Column('parts', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('synced_generation', sa.Integer(), nullable=False),
        sa.Column('next_sync_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['pack_id'], ['packs.id'], name=op.f('fk_pack_exports_pack_id_packs')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pack_exports_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pack_exports')),
        sa.UniqueConstraint('user_id', 'pack_id', name=op.f('uq_pack_exports_user_id')),
    )
    with op.batch_alter_table('pack_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pack_exports_next_sync_at'), ['next_sync_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pack_exports_pack_id'), ['pack_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pack_exports_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pack_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pack_exports_user_id'))
        batch_op.drop_index(batch_op.f('ix_pack_exports_pack_id'))
        batch_op.drop_index(batch_op.f('ix_pack_exports_next_sync_at'))
    op.drop_table('pack_exports')
    op.drop_table('export_rooms')
