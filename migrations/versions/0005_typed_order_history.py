"""typed order history: each event's kind, and who sent each refund

Code used to read state back from history text (an "awaiting payment" sentence, a refund
id inside a staff note). Each history entry now says what it records, and each refund
row says which staff member sent it. Existing rows are filled from the text they carry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

EVENT_KINDS = ('note', 'created', 'checkout_started', 'status', 'awaiting_payment', 'cancel_requested', 'flagged',
               'reviewed', 'refund_requested', 'refund_changed', 'refund_total')

# (kind, SQL condition on order_events) for rows written before the column existed; the
# sentences are the ones the code wrote, word for word.
BACKFILL = [
    ('status', "to_status IS NOT NULL"),
    ('created', "message = 'Order created from the cart; stock reserved'"),
    ('checkout_started', "message LIKE 'Stripe Checkout Session % created'"),
    ('awaiting_payment', "message = 'Checkout complete; awaiting a delayed payment (such as a bank debit)'"),
    ('cancel_requested', "message = 'Shopper asked to cancel'"),
    ('flagged', "message LIKE 'Flagged for review: %'"),
    ('reviewed', "message LIKE 'Reviewed: %' AND source LIKE 'staff:%'"),
    ('refund_requested', "message LIKE 'Refund of % sent to Stripe (%' AND source LIKE 'staff:%'"),
    ('refund_changed', "message LIKE 'Refund % failed' OR message LIKE 'Refund % canceled'"),
    ('refund_total', "to_status IS NULL AND message LIKE 'Refunded % of % (minor units)'"),
]


def upgrade():
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum(*EVENT_KINDS, name='eventkind', native_enum=False, length=24),
                                      nullable=True))
    for kind, condition in BACKFILL:
        op.execute(f"UPDATE order_events SET kind = '{kind}' WHERE kind IS NULL AND ({condition})")
    op.execute("UPDATE order_events SET kind = 'note' WHERE kind IS NULL")
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.Enum(*EVENT_KINDS, name='eventkind', native_enum=False, length=24),
                              nullable=False)

    with op.batch_alter_table('order_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by', sa.String(length=320), nullable=True))
    # A refund staff sent was noted in its order's history as "... sent to Stripe (re_...)"
    # by "staff:<email>".
    op.execute(
        "UPDATE order_refunds SET requested_by = ("
        " SELECT substr(e.source, 7) FROM order_events e"
        " WHERE e.order_id = order_refunds.order_id AND e.kind = 'refund_requested'"
        " AND e.message LIKE '%(' || order_refunds.stripe_refund_id || ')%'"
        " ORDER BY e.id LIMIT 1)"
    )


def downgrade():
    with op.batch_alter_table('order_refunds', schema=None) as batch_op:
        batch_op.drop_column('requested_by')
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_column('kind')
