"""A check-in keeps when each answer was last changed, so two devices' edits merge.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00.000000

"""
from datetime import timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ANSWERS = ("sleep_hours", "sleep_quality", "energy", "mood", "work", "relationships",
           "self_care", "note")


def upgrade():
    op.add_column('checkins', sa.Column('field_changed_at', sa.JSON(), nullable=False,
                                        server_default=sa.text("'{}'")))
    # Every answer saved so far was last changed, as far as anyone knows, at updated_at.
    checkins = sa.table('checkins', sa.column('id', sa.Integer),
                        sa.column('updated_at', sa.DateTime(timezone=True)),
                        sa.column('field_changed_at', sa.JSON))
    connection = op.get_bind()
    for row_id, updated_at in connection.execute(sa.select(checkins.c.id, checkins.c.updated_at)):
        if updated_at.tzinfo is None:  # SQLite keeps UTC without an offset
            updated_at = updated_at.replace(tzinfo=timezone.utc)
        connection.execute(checkins.update().where(checkins.c.id == row_id).values(
            field_changed_at={name: updated_at.isoformat() for name in ANSWERS}))


def downgrade():
    with op.batch_alter_table('checkins') as batch:
        batch.drop_column('field_changed_at')
