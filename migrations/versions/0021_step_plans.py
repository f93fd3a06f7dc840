"""Step plans (tapers and titrations): a plan and its steps, each step carried by a regimen
version.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 14:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('step_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('medication_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('taper', 'titration', name='plan_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'held', name='plan_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('interval_days', sa.Integer(), nullable=False),
    sa.Column('amount_before', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('paused_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_step_plans_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['medication_id'], ['medications.id'], name=op.f('fk_step_plans_medication_id_medications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_plans'))
    )
    with op.batch_alter_table('step_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_plans_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_step_plans_medication_id'), ['medication_id'], unique=False)
    op.create_table('plan_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('checkpoint_days', sa.Integer(), nullable=True),
    sa.Column('regimen_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['step_plans.id'], name=op.f('fk_plan_steps_plan_id_step_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['regimen_id'], ['regimens.id'], name=op.f('fk_plan_steps_regimen_id_regimens'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_steps')),
    sa.UniqueConstraint('plan_id', 'ordinal', name=op.f('uq_plan_steps_plan_id_ordinal'))
    )
    with op.batch_alter_table('plan_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_steps_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_steps_regimen_id'), ['regimen_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_steps_regimen_id'))
        batch_op.drop_index(batch_op.f('ix_plan_steps_plan_id'))
    op.drop_table('plan_steps')
    with op.batch_alter_table('step_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_plans_medication_id'))
        batch_op.drop_index(batch_op.f('ix_step_plans_client_id'))
    op.drop_table('step_plans')
