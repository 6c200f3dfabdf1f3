"""orders.refund_reason: refunds Hexpack makes itself (duplicate payments)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_reason', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_orders_refund_reason'), ['refund_reason'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_refund_reason'))
        batch_op.drop_column('refund_reason')
