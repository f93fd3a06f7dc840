"""Daily check-in reminders go through the reminders outbox: a reminder row names the
client's local day it is for, unique per client, kind, day and device.

The uniqueness is a unique index, not a table constraint, so that SQLite adds it in place
instead of rebuilding the reminders table (a rebuild would drop the rows that refer to it).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:12:41.208311

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_for', sa.Date(), nullable=True))
        batch_op.create_index('uq_reminders_user_kind_checkin_for_subscription', ['user_id', 'kind', 'checkin_for', 'subscription_id'], unique=True)


def downgrade():
    # Check-in reminder rows mean nothing without their day. Dropping the column in place
    # (SQLite 3.35+ can) keeps the delivery attempts that a table rebuild would delete.
    op.execute("DELETE FROM reminders WHERE kind = 'checkin'")
    op.drop_index('uq_reminders_user_kind_checkin_for_subscription', table_name='reminders')
    op.drop_column('reminders', 'checkin_for')
