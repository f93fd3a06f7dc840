"""Each regimen version a plan's step was carried by, so a step back leaves the earlier
versions their "plan step N of M" (issue 17, left).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_step_versions',
    sa.Column('regimen_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['regimen_id'], ['regimens.id'], name=op.f('fk_plan_step_versions_regimen_id_regimens'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['plan_steps.id'], name=op.f('fk_plan_step_versions_step_id_plan_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('regimen_id', name=op.f('pk_plan_step_versions'))
    )
    with op.batch_alter_table('plan_step_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_step_versions_step_id'), ['step_id'], unique=False)
    # The versions carrying a step now carried it.
    op.execute("INSERT INTO plan_step_versions (regimen_id, step_id) "
               "SELECT regimen_id, id FROM plan_steps WHERE regimen_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('plan_step_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_step_versions_step_id'))
    op.drop_table('plan_step_versions')
