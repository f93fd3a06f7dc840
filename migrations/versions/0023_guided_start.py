"""A new client's guided start: steps skipped, Tend installed, when the guide was closed.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guided_starts',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.String(length=100), nullable=False),
    sa.Column('installed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_guided_starts_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_guided_starts'))
    )


def downgrade():
    op.drop_table('guided_starts')
