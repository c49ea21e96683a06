"""staff roles: owner, editor, fulfilment; everyone who had a login becomes an owner

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ROLE = sa.Enum('owner', 'editor', 'fulfilment', name='staffrole', native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', ROLE, nullable=True))
    # Before roles, every staff login could do everything: they keep that as owners.
    op.execute("UPDATE staff_users SET role = 'owner'")
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=ROLE, nullable=False)


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('role')
