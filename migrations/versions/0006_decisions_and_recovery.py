"""Decisions the client owns: medication experiments with checkpoints, appointment notes,
decisional balances, questions, the daily check-in reminder setting and password resets.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:32:15.033520

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appointment_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('goal', 'concern', name='appointment_note_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_appointment_notes_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_notes'))
    )
    with op.batch_alter_table('appointment_notes', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_notes_client_kind', ['client_id', 'kind'], unique=False)

    op.create_table('checkin_reminders',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('local_time', sa.Time(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_checkin_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_checkin_reminders'))
    )
    op.create_table('decision_balances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_decision_balances_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_balances'))
    )
    with op.batch_alter_table('decision_balances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_balances_client_id'), ['client_id'], unique=False)

    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_questions_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index('ix_questions_client_created', ['client_id', 'created_at'], unique=False)

    op.create_table('decision_balance_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('balance_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('pro', 'con', name='balance_side', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['balance_id'], ['decision_balances.id'], name=op.f('fk_decision_balance_reasons_balance_id_decision_balances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_balance_reasons'))
    )
    with op.batch_alter_table('decision_balance_reasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_balance_reasons_balance_id'), ['balance_id'], unique=False)

    op.create_table('experiments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('medication_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('start', 'change', 'stop', name='experiment_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('hopes', sa.Text(), nullable=False),
    sa.Column('worries', sa.Text(), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('baseline_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_experiments_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['medication_id'], ['medications.id'], name=op.f('fk_experiments_medication_id_medications'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiments'))
    )
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.create_index('ix_experiments_client_changed', ['client_id', 'changed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_experiments_medication_id'), ['medication_id'], unique=False)

    op.create_table('experiment_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('verdict', sa.Enum('helping', 'mixed', 'no_change', 'not_helping', 'unsure', name='experiment_verdict', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('reflection', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_experiment_checkpoints_experiment_id_experiments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment_checkpoints')),
    sa.UniqueConstraint('experiment_id', 'due_on', name=op.f('uq_experiment_checkpoints_experiment_id_due_on'))
    )
    with op.batch_alter_table('experiment_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experiment_checkpoints_experiment_id'), ['experiment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('experiment_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experiment_checkpoints_experiment_id'))

    op.drop_table('experiment_checkpoints')
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experiments_medication_id'))
        batch_op.drop_index('ix_experiments_client_changed')

    op.drop_table('experiments')
    with op.batch_alter_table('decision_balance_reasons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_balance_reasons_balance_id'))

    op.drop_table('decision_balance_reasons')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_client_created')

    op.drop_table('questions')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
    with op.batch_alter_table('decision_balances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_balances_client_id'))

    op.drop_table('decision_balances')
    op.drop_table('checkin_reminders')
    with op.batch_alter_table('appointment_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_notes_client_kind')

    op.drop_table('appointment_notes')
