"""An account being imported into says so (users.import_started_at): an import cut off half-way
is recognised and what it wrote is removed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('import_started_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('users', 'import_started_at')
