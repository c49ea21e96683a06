"""after the sale: parcels with tracking, download links, disputes, policy pages; which
lines are digital, whether an order ships, how it was paid

Revision ID: 0008
Revises: 0011
Create Date: 2026-11-29 03:41:53.071350

"""
from alembic import op
import sqlalchemy as sa

import shop.database


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('policy_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('renderer_version', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_pages')),
    sa.UniqueConstraint('slug', name=op.f('uq_policy_pages_slug'))
    )
    op.create_table('order_disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('stripe_dispute_id', sa.String(length=255), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('evidence_due_by', shop.database.UTCDateTime(), nullable=True),
    sa.Column('opened_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('read_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('created_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shop.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_disputes_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_disputes')),
    sa.UniqueConstraint('stripe_dispute_id', name=op.f('uq_order_disputes_stripe_dispute_id'))
    )
    with op.batch_alter_table('order_disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_disputes_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_disputes_status'), ['status'], unique=False)

    op.create_table('order_shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.Enum('usps', 'ups', 'fedex', 'other', name='carrier', native_enum=False, length=16), nullable=False),
    sa.Column('carrier_name', sa.String(length=80), nullable=True),
    sa.Column('tracking_number', sa.String(length=64), nullable=True),
    sa.Column('tracking_url', sa.String(length=500), nullable=True),
    sa.Column('shipped_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('shipped_by', sa.String(length=320), nullable=False),
    sa.Column('delivered_at', shop.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_shipments_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_shipments'))
    )
    with op.batch_alter_table('order_shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_shipments_order_id'), ['order_id'], unique=False)

    op.create_table('download_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('created_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('expires_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('max_downloads', sa.Integer(), nullable=False),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('last_downloaded_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', shop.database.UTCDateTime(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('downloads >= 0 AND downloads <= max_downloads', name=op.f('ck_download_links_downloads_within_limit')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_download_links_order_line_id_order_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaces_id'], ['download_links.id'], name=op.f('fk_download_links_replaces_id_download_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_download_links')),
    sa.UniqueConstraint('replaces_id', name=op.f('uq_download_links_replaces_id'))
    )
    with op.batch_alter_table('download_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_download_links_order_line_id'), ['order_line_id'], unique=False)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('download_file', sa.String(length=200), nullable=True))

    # NOT NULL with a default, added in place: on SQLite, batch mode would rebuild `orders` (for an
    # alter_column, or a default given as an SQL expression), and dropping the old table with
    # foreign keys on cascade-deletes every order's lines. '1' and '0' are booleans on both databases.
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_digital', sa.Boolean(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('download_file', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('refunded_at', shop.database.UTCDateTime(), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_shipping', sa.Boolean(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('payment_method_brand', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('payment_method_last4', sa.String(length=4), nullable=True))

    # Lines already sold: digital when their product is (a deleted product was a physical one as
    # far as we can tell). An order ships when any of its lines is not digital.
    op.execute("UPDATE order_lines SET is_digital = (product_id IS NOT NULL AND EXISTS ("
               "SELECT 1 FROM products WHERE products.id = order_lines.product_id AND products.kind = 'digital'))")
    op.execute("UPDATE orders SET needs_shipping = (EXISTS (SELECT 1 FROM order_lines"
               " WHERE order_lines.order_id = orders.id AND NOT order_lines.is_digital)"
               " OR NOT EXISTS (SELECT 1 FROM order_lines WHERE order_lines.order_id = orders.id))")


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('download_file')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('payment_method_last4')
        batch_op.drop_column('payment_method_brand')
        batch_op.drop_column('needs_shipping')

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('refunded_at')
        batch_op.drop_column('download_file')
        batch_op.drop_column('is_digital')

    with op.batch_alter_table('download_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_download_links_order_line_id'))

    op.drop_table('download_links')
    with op.batch_alter_table('order_shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_shipments_order_id'))

    op.drop_table('order_shipments')
    with op.batch_alter_table('order_disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_disputes_status'))
        batch_op.drop_index(batch_op.f('ix_order_disputes_order_id'))

    op.drop_table('order_disputes')
    op.drop_table('policy_pages')
