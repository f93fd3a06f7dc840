"""A therapist's session note records when it was last edited (the client sees it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('therapist_notes', sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('therapist_notes', 'edited_at')
