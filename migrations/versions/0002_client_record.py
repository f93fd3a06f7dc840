"""The client's record: medications, regimen versions, planned doses, dose events,
side effects and daily check-ins.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:26:49.823820

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('sleep_hours', sa.Numeric(precision=3, scale=1), nullable=True),
    sa.Column('sleep_quality', sa.SmallInteger(), nullable=True),
    sa.Column('energy', sa.SmallInteger(), nullable=True),
    sa.Column('mood', sa.SmallInteger(), nullable=True),
    sa.Column('work', sa.SmallInteger(), nullable=True),
    sa.Column('relationships', sa.SmallInteger(), nullable=True),
    sa.Column('self_care', sa.SmallInteger(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('idempotency_key', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_checkins_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('client_id', 'idempotency_key', name=op.f('uq_checkins_client_id_idempotency_key')),
    sa.UniqueConstraint('client_id', 'local_date', name=op.f('uq_checkins_client_id_local_date'))
    )
    op.create_table('medications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.Enum('prescribed', 'over_the_counter', 'supplement', name='medication_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('prescriber', sa.String(length=120), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'stopped', name='medication_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('units_on_hand', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('idempotency_key', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_medications_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medications')),
    sa.UniqueConstraint('client_id', 'idempotency_key', name=op.f('uq_medications_client_id_idempotency_key'))
    )
    with op.batch_alter_table('medications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medications_client_id'), ['client_id'], unique=False)

    op.create_table('side_effects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('symptom', sa.String(length=80), nullable=False),
    sa.Column('severity', sa.Enum('none', 'mild', 'moderate', 'severe', name='severity', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('idempotency_key', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_side_effects_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_side_effects')),
    sa.UniqueConstraint('client_id', 'idempotency_key', name=op.f('uq_side_effects_client_id_idempotency_key'))
    )
    with op.batch_alter_table('side_effects', schema=None) as batch_op:
        batch_op.create_index('ix_side_effects_client_started', ['client_id', 'started_on'], unique=False)

    op.create_table('regimens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('medication_id', sa.Integer(), nullable=False),
    sa.Column('change', sa.Enum('start', 'change', 'pause', 'resume', name='regimen_change', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('strength', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('strength_unit', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('as_needed', sa.Boolean(), nullable=False),
    sa.Column('max_per_day', sa.Integer(), nullable=True),
    sa.Column('times', sa.JSON(), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('planned_through', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['medication_id'], ['medications.id'], name=op.f('fk_regimens_medication_id_medications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regimens'))
    )
    with op.batch_alter_table('regimens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regimens_medication_id'), ['medication_id'], unique=False)

    op.create_table('side_effect_medications',
    sa.Column('side_effect_id', sa.Integer(), nullable=False),
    sa.Column('medication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['medication_id'], ['medications.id'], name=op.f('fk_side_effect_medications_medication_id_medications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['side_effect_id'], ['side_effects.id'], name=op.f('fk_side_effect_medications_side_effect_id_side_effects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('side_effect_id', 'medication_id', name=op.f('pk_side_effect_medications'))
    )
    op.create_table('planned_doses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('medication_id', sa.Integer(), nullable=False),
    sa.Column('regimen_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_time', sa.Time(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_planned_doses_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['medication_id'], ['medications.id'], name=op.f('fk_planned_doses_medication_id_medications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['regimen_id'], ['regimens.id'], name=op.f('fk_planned_doses_regimen_id_regimens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_doses')),
    sa.UniqueConstraint('regimen_id', 'local_date', 'local_time', name=op.f('uq_planned_doses_regimen_id_local_date_local_time'))
    )
    with op.batch_alter_table('planned_doses', schema=None) as batch_op:
        batch_op.create_index('ix_planned_doses_client_due', ['client_id', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_planned_doses_medication_id'), ['medication_id'], unique=False)

    op.create_table('dose_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('medication_id', sa.Integer(), nullable=False),
    sa.Column('planned_dose_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('taken', 'skipped', name='dose_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('skip_reason', sa.Enum('forgot', 'chose_not_to', 'side_effects', 'ran_out', 'other', name='skip_reason', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('amount', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('logged_by_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_dose_events_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['logged_by_id'], ['users.id'], name=op.f('fk_dose_events_logged_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['medication_id'], ['medications.id'], name=op.f('fk_dose_events_medication_id_medications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['planned_dose_id'], ['planned_doses.id'], name=op.f('fk_dose_events_planned_dose_id_planned_doses'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dose_events')),
    sa.UniqueConstraint('client_id', 'idempotency_key', name=op.f('uq_dose_events_client_id_idempotency_key')),
    sa.UniqueConstraint('planned_dose_id', name=op.f('uq_dose_events_planned_dose_id'))
    )
    with op.batch_alter_table('dose_events', schema=None) as batch_op:
        batch_op.create_index('ix_dose_events_client_time', ['client_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dose_events_medication_id'), ['medication_id'], unique=False)



def downgrade():
    with op.batch_alter_table('dose_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dose_events_medication_id'))
        batch_op.drop_index('ix_dose_events_client_time')

    op.drop_table('dose_events')
    with op.batch_alter_table('planned_doses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planned_doses_medication_id'))
        batch_op.drop_index('ix_planned_doses_client_due')

    op.drop_table('planned_doses')
    op.drop_table('side_effect_medications')
    with op.batch_alter_table('regimens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regimens_medication_id'))

    op.drop_table('regimens')
    with op.batch_alter_table('side_effects', schema=None) as batch_op:
        batch_op.drop_index('ix_side_effects_client_started')

    op.drop_table('side_effects')
    with op.batch_alter_table('medications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medications_client_id'))

    op.drop_table('medications')
    op.drop_table('checkins')
