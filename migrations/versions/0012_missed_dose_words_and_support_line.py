"""A medication keeps what to do if a dose is missed, in the prescriber's or pharmacist's
words; an account keeps the day the gentle line after a very low check-in was last shown.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('medications', sa.Column('missed_dose_instructions', sa.String(length=1000),
                                           nullable=False, server_default=''))
    op.add_column('users', sa.Column('support_line_shown_on', sa.Date(), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0009 does: a batch rebuild of
    # `users` would cascade-delete every row that points at it.
    op.drop_column('users', 'support_line_shown_on')
    op.drop_column('medications', 'missed_dose_instructions')
