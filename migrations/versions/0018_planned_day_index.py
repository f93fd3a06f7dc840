"""Planned doses are found by the client's local day (Today, History, Insights): an index on
(client, local day, due time), in the order a day is read, keeps those reads the same size
however many years the record holds.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_planned_doses_client_day', 'planned_doses', ['client_id', 'local_date', 'due_at'])


def downgrade():
    op.drop_index('ix_planned_doses_client_day', table_name='planned_doses')
