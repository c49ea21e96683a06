"""orders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:17:07.193796

"""
from alembic import op
import sqlalchemy as sa

import shop.database


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'paid', 'fulfilled', 'shipped', 'expired', 'payment_failed', 'cancelled', 'refunded', 'partially_refunded', name='orderstatus', native_enum=False, length=24), nullable=False),
    sa.Column('stock_state', sa.Enum('none', 'reserved', 'sold', 'released', name='stockstate', native_enum=False, length=16), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal_cents', sa.Integer(), nullable=False),
    sa.Column('shipping_cents', sa.Integer(), nullable=False),
    sa.Column('tax_cents', sa.Integer(), nullable=False),
    sa.Column('discount_cents', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('amount_refunded_cents', sa.Integer(), nullable=False),
    sa.Column('shipping_name', sa.String(length=200), nullable=True),
    sa.Column('shipping_address', sa.JSON(), nullable=True),
    sa.Column('cart_token', sa.String(length=64), nullable=True),
    sa.Column('stripe_session_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('session_url', sa.Text(), nullable=True),
    sa.Column('session_expires_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('cancel_requested_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.Column('created_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('paid_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('fulfilled_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('shipped_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('expired_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('failed_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('refunded_at', shop.database.UTCDateTime(), nullable=True),
    sa.CheckConstraint('amount_refunded_cents >= 0', name=op.f('ck_orders_refund_not_negative')),
    sa.CheckConstraint('subtotal_cents >= 0 AND total_cents >= 0', name=op.f('ck_orders_amounts_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_orders_number')),
    sa.UniqueConstraint('stripe_payment_intent_id', name=op.f('uq_orders_stripe_payment_intent_id')),
    sa.UniqueConstraint('stripe_session_id', name=op.f('uq_orders_stripe_session_id'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_cart_token'), ['cart_token'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_session_expires_at'), ['session_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_status'), ['status'], unique=False)

    op.create_table('order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('from_status', sa.Enum('pending', 'paid', 'fulfilled', 'shipped', 'expired', 'payment_failed', 'cancelled', 'refunded', 'partially_refunded', name='orderstatus', native_enum=False, length=24), nullable=True),
    sa.Column('to_status', sa.Enum('pending', 'paid', 'fulfilled', 'shipped', 'expired', 'payment_failed', 'cancelled', 'refunded', 'partially_refunded', name='orderstatus', native_enum=False, length=24), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_events_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events'))
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_events_order_id'), ['order_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('product_name', sa.String(length=200), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('stock_tracked', sa.Boolean(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_lines_product_id_products'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_lines_product_id'), ['product_id'], unique=False)

    op.create_table('order_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('created_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shop.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_refunds_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_refunds')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_order_refunds_stripe_refund_id'))
    )
    with op.batch_alter_table('order_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_refunds_order_id'), ['order_id'], unique=False)

    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('received_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events'))
    )


def downgrade():
    op.drop_table('stripe_events')
    with op.batch_alter_table('order_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_refunds_order_id'))

    op.drop_table('order_refunds')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_events_order_id'))

    op.drop_table('order_events')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_status'))
        batch_op.drop_index(batch_op.f('ix_orders_session_expires_at'))
        batch_op.drop_index(batch_op.f('ix_orders_cart_token'))

    op.drop_table('orders')
