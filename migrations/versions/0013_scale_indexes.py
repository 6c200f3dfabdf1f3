"""indexes for a large catalogue and many orders: packs (status, position, id), packs (status, price_amount), orders (status, created_at)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:30:00

"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # The store's pages (keyset on position, id) read published packs in catalogue order, every
    # picker its published free packs; the admin overview counts orders by status over a time window.
    op.create_index('ix_packs_status_position', 'packs', ['status', 'position', 'id'], unique=False)
    op.create_index('ix_packs_status_price_amount', 'packs', ['status', 'price_amount'], unique=False)
    op.create_index('ix_orders_status_created_at', 'orders', ['status', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_orders_status_created_at', table_name='orders')
    op.drop_index('ix_packs_status_price_amount', table_name='packs')
    op.drop_index('ix_packs_status_position', table_name='packs')
