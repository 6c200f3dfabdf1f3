"""bot_outbox and bot_rooms: the Hexpack bot's durable outbox and its direct-message rooms

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bot_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('txn_id', sa.String(length=64), nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('room_id', sa.String(length=255), nullable=True),
    sa.Column('event_id', sa.String(length=255), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_outbox')),
    sa.UniqueConstraint('txn_id', name=op.f('uq_bot_outbox_txn_id'))
    )
    with op.batch_alter_table('bot_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bot_outbox_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bot_outbox_recipient'), ['recipient'], unique=False)

    op.create_table('bot_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matrix_id', sa.String(length=255), nullable=False),
    sa.Column('room_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_rooms')),
    sa.UniqueConstraint('matrix_id', name=op.f('uq_bot_rooms_matrix_id'))
    )


def downgrade():
    op.drop_table('bot_rooms')
    with op.batch_alter_table('bot_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bot_outbox_recipient'))
        batch_op.drop_index(batch_op.f('ix_bot_outbox_next_attempt_at'))

    op.drop_table('bot_outbox')
