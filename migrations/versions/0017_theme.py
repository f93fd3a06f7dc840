"""An account keeps how pages look: the device's setting, light or dark.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('theme', sa.String(length=8), nullable=False,
                                     server_default='system'))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0014 does: a batch rebuild of
    # `users` would cascade-delete every row that points at it.
    op.drop_column('users', 'theme')
