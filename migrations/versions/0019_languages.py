"""A sign-up keeps the language picked on the sign-up page until the account is made.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('pending_signups', sa.Column('locale', sa.String(length=16), nullable=False,
                                               server_default='en'))


def downgrade():
    op.drop_column('pending_signups', 'locale')
