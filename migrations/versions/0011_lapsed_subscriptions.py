"""Devices whose push subscription the push service ended: Today and the reminders page say
reminders stopped reaching them, and since when.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lapsed_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_label', sa.String(length=80), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('subscribed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lapsed_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lapsed_subscriptions'))
    )
    with op.batch_alter_table('lapsed_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lapsed_subscriptions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lapsed_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lapsed_subscriptions_user_id'))
    op.drop_table('lapsed_subscriptions')
