"""connect payouts: creators' connected accounts, creator adjustments, destination-charge fields on orders

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'connected_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('stripe_account_id', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('transfers_status', sa.String(length=16), nullable=True),
        sa.Column('requirements', sa.JSON(), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_connected_accounts_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_connected_accounts')),
        sa.UniqueConstraint('stripe_account_id', name=op.f('uq_connected_accounts_stripe_account_id')),
        sa.UniqueConstraint('user_id', name=op.f('uq_connected_accounts_user_id')),
    )
    op.create_table(
        'creator_adjustments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('source_id', sa.String(length=255), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('creator_amount', sa.Integer(), nullable=False),
        sa.Column('fee_refunded', sa.Integer(), nullable=False),
        sa.Column('stripe_object_id', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_creator_adjustments_order_id_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_creator_adjustments')),
        sa.UniqueConstraint('kind', 'source_id', name=op.f('uq_creator_adjustments_kind')),
    )
    with op.batch_alter_table('creator_adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_creator_adjustments_order_id'), ['order_id'], unique=False)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('destination', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('transfer_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('application_fee_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('application_fee_amount', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('application_fee_amount')
        batch_op.drop_column('application_fee_id')
        batch_op.drop_column('transfer_id')
        batch_op.drop_column('destination')
    with op.batch_alter_table('creator_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_creator_adjustments_order_id'))
    op.drop_table('creator_adjustments')
    op.drop_table('connected_accounts')
