"""stored markdown: product descriptions, article bodies and author bios kept rendered,
with the renderer's version, so pages stop rendering Markdown on every view; policy pages,
already kept rendered, now say which renderer the way the others do

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 12:00:00

"""
import sqlalchemy as sa
from alembic import op

from shop.markup import MARKUP_VERSION, render_markdown

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# table -> (Markdown column, HTML column)
STORED = {
    'products': ('description', 'description_html'),
    'articles': ('body', 'body_html'),
    'authors': ('bio', 'bio_html'),
}


def upgrade():
    with op.batch_alter_table('policy_pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('markup_version', sa.Integer(), nullable=True))
        batch_op.drop_column('renderer_version')
    for table, (_source, target) in STORED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(target, sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('markup_version', sa.Integer(), nullable=True))
    # Rows already there are rendered now, with today's renderer, and say which one it was.
    bind = op.get_bind()
    for table, (source, target) in {**STORED, 'policy_pages': ('body', 'body_html')}.items():
        rows = bind.execute(sa.text(f'SELECT id, {source} FROM {table}')).all()
        for row_id, markdown in rows:
            bind.execute(sa.text(f'UPDATE {table} SET {target} = :html, markup_version = :version WHERE id = :id'),
                         {'html': str(render_markdown(markdown)), 'version': MARKUP_VERSION, 'id': row_id})
    for table, (_source, target) in STORED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(target, existing_type=sa.Text(), nullable=False)
            batch_op.alter_column('markup_version', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('policy_pages', schema=None) as batch_op:
        batch_op.alter_column('markup_version', existing_type=sa.Integer(), nullable=False)


def downgrade():
    # The HTML stays; an empty renderer version has the shop render each page again when shown.
    with op.batch_alter_table('policy_pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renderer_version', sa.String(length=20), nullable=False, server_default=''))
        batch_op.drop_column('markup_version')
    for table, (_source, target) in STORED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('markup_version')
            batch_op.drop_column(target)
