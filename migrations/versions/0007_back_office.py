"""back office: audit log, stored images, stock movements, session versions, story consent method

Also: an order line now RESTRICTs the deletion of its product (a product that was ever
ordered is deactivated, never deleted), and a product image may be an uploaded photo
(image_id) instead of a path under static/.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:32:18.388266

"""
from alembic import op
import sqlalchemy as sa

import shop.database


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('object_label', sa.String(length=200), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_email'), ['actor_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_audit_entries_object', ['object_type', 'object_id'], unique=False)

    op.create_table('stored_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('widths', sa.JSON(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('created_at', shop.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_images')),
    sa.UniqueConstraint('key', name=op.f('uq_stored_images_key'))
    )
    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('created_at', shop.database.UTCDateTime(), nullable=False),
    sa.Column('change', sa.Integer(), nullable=False),
    sa.Column('stock_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('received', 'damaged', 'count_correction', name='stockreason', native_enum=False, length=24), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('staff_email', sa.String(length=320), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_movements_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_lines_product_id_products'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_product_id_products'), 'products', ['product_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_id', sa.Integer(), nullable=True))
        batch_op.alter_column('path',
               existing_type=sa.VARCHAR(length=300),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_product_images_image_id'), ['image_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_product_images_image_id_stored_images'), 'stored_images', ['image_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('testimonials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consent_method', sa.String(length=300), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_testimonials_photo_id'), ['photo_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_testimonials_photo_id_stored_images'), 'stored_images', ['photo_id'], ['id'], ondelete='SET NULL')
    # Stories shoppers sent were all given through the website's consent box.
    op.execute("UPDATE testimonials SET consent_method = 'Ticked the consent box on the website''s “Share your story” form'"
               " WHERE source = 'visitor' AND consent_given_at IS NOT NULL")



def downgrade():
    with op.batch_alter_table('testimonials', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_testimonials_photo_id_stored_images'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_testimonials_photo_id'))
        batch_op.drop_column('consent_method')
        batch_op.drop_column('photo_id')

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    # Uploaded photos have no path under static/: before 0007 they cannot exist.
    op.execute("DELETE FROM product_images WHERE path IS NULL")
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_product_images_image_id_stored_images'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_product_images_image_id'))
        batch_op.alter_column('path',
               existing_type=sa.VARCHAR(length=300),
               nullable=False)
        batch_op.drop_column('image_id')

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_lines_product_id_products'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_product_id_products'), 'products', ['product_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movements_product_id'))

    op.drop_table('stock_movements')
    op.drop_table('stored_images')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_object')
        batch_op.drop_index(batch_op.f('ix_audit_entries_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_email'))

    op.drop_table('audit_entries')
