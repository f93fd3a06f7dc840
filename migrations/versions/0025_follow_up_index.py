"""Today asks for the as-needed doses whose "did it help?" time has come: an index on
(client, follow-up time) keeps that read the same size however many years of doses there are.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 16:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_dose_events_client_follow_up', 'dose_events',
                    ['client_id', 'follow_up_at'])


def downgrade():
    op.drop_index('ix_dose_events_client_follow_up', table_name='dose_events')
