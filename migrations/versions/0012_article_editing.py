"""article editing: hero photos and author photos from the photo pipeline, structured
references (authors, year, DOI, PMID), chosen related articles, the unpublished state

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-29 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('article_related',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('related_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_related_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['related_id'], ['articles.id'], name=op.f('fk_article_related_related_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'related_id', name=op.f('pk_article_related'))
    )
    with op.batch_alter_table('article_related', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_related_related_id'), ['related_id'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hero_image_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_articles_hero_image_id'), ['hero_image_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_articles_hero_image_id_stored_images'), 'stored_images',
                                    ['hero_image_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('authors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_authors_photo_id'), ['photo_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_authors_photo_id_stored_images'), 'stored_images',
                                    ['photo_id'], ['id'], ondelete='SET NULL')

    # Existing references keep what they had; the new parts start empty.
    with op.batch_alter_table('article_references', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authors', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('doi', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('pmid', sa.String(length=12), nullable=False, server_default=''))
    with op.batch_alter_table('article_references', schema=None) as batch_op:
        for column in ('authors', 'doi', 'pmid'):
            batch_op.alter_column(column, server_default=None)


def downgrade():
    with op.batch_alter_table('article_references', schema=None) as batch_op:
        batch_op.drop_column('pmid')
        batch_op.drop_column('doi')
        batch_op.drop_column('year')
        batch_op.drop_column('authors')
    with op.batch_alter_table('authors', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_authors_photo_id_stored_images'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_authors_photo_id'))
        batch_op.drop_column('photo_id')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_articles_hero_image_id_stored_images'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_articles_hero_image_id'))
        batch_op.drop_column('hero_image_id')
    # An article taken off the site was a draft before this revision.
    op.execute("UPDATE articles SET status = 'draft' WHERE status = 'unpublished'")
    with op.batch_alter_table('article_related', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_related_related_id'))
    op.drop_table('article_related')
