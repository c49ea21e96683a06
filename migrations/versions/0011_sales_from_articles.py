"""sales from articles: the article a cart line was added from, copied to the order line

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-29 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_article_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cart_lines_source_article_id_articles'), 'articles',
                                    ['source_article_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_article_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_lines_source_article_id'), ['source_article_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_source_article_id_articles'), 'articles',
                                    ['source_article_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_lines_source_article_id_articles'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_lines_source_article_id'))
        batch_op.drop_column('source_article_id')
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cart_lines_source_article_id_articles'), type_='foreignkey')
        batch_op.drop_column('source_article_id')
