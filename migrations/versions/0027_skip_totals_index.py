"""History and the care pages total the skipped doses of six months: an index on (client,
status, time) reads only the skips of those months, not every dose logged in them.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 21:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_dose_events_client_status_time', 'dose_events',
                    ['client_id', 'status', 'occurred_at'])


def downgrade():
    op.drop_index('ix_dose_events_client_status_time', table_name='dose_events')
