"""Decision work: experiments on a strategy (not only a medication), trial periods agreed with
a clinician, what to expect, readiness rulers, goals linked to a measure, and more skip reasons.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

SKIP_REASONS = ('forgot', 'chose_not_to', 'side_effects', 'ran_out', 'other')
NEW_SKIP_REASONS = ('cost', 'pharmacy', 'away_from_home', 'worried')


def skip_reason(values):
    return sa.Enum(*values, name='skip_reason', native_enum=False, create_constraint=True,
                   length=20)


def replace_skip_reasons(old, new):
    """The column is checked against its values: rebuild the check (SQLite rebuilds the
    table in batch mode; nothing references ``dose_events``, so no ON DELETE action fires)."""
    with op.batch_alter_table('dose_events', schema=None) as batch_op:
        batch_op.alter_column('skip_reason', existing_type=skip_reason(old),
                              type_=skip_reason(new), existing_nullable=True)


def upgrade():
    op.add_column('experiments', sa.Column('strategy', sa.String(length=30), nullable=False,
                                           server_default=''))
    op.add_column('experiments', sa.Column('agreed_with', sa.String(length=120),
                                           nullable=False, server_default=''))
    op.add_column('experiments', sa.Column('agreed_on', sa.Date(), nullable=True))
    op.add_column('appointment_notes', sa.Column('measure', sa.String(length=90),
                                                 nullable=False, server_default=''))
    op.add_column('appointment_notes', sa.Column('direction', sa.String(length=10),
                                                 nullable=False, server_default=''))
    op.add_column('appointment_notes', sa.Column('target', sa.Numeric(precision=6, scale=2),
                                                 nullable=True))
    op.create_table('readiness_rulers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=True),
    sa.Column('importance', sa.Integer(), nullable=True),
    sa.Column('importance_reason', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('confidence_reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['experiment_checkpoints.id'], name=op.f('fk_readiness_rulers_checkpoint_id_experiment_checkpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_readiness_rulers_experiment_id_experiments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_rulers'))
    )
    with op.batch_alter_table('readiness_rulers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_readiness_rulers_checkpoint_id'), ['checkpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_readiness_rulers_experiment_id'), ['experiment_id'], unique=False)
    op.create_table('expectations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=True),
    sa.Column('medication_id', sa.Integer(), nullable=True),
    sa.Column('said_by', sa.String(length=120), nullable=False),
    sa.Column('effects', sa.Text(), nullable=False),
    sa.Column('side_effects', sa.Text(), nullable=False),
    sa.Column('when_to_call', sa.Text(), nullable=False),
    sa.Column('by_when', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_expectations_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_expectations_experiment_id_experiments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['medication_id'], ['medications.id'], name=op.f('fk_expectations_medication_id_medications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expectations')),
    sa.UniqueConstraint('experiment_id', name=op.f('uq_expectations_experiment_id')),
    sa.UniqueConstraint('medication_id', name=op.f('uq_expectations_medication_id'))
    )
    with op.batch_alter_table('expectations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expectations_client_id'), ['client_id'], unique=False)
    replace_skip_reasons(SKIP_REASONS, SKIP_REASONS + NEW_SKIP_REASONS)


def downgrade():
    op.execute("UPDATE dose_events SET skip_reason = 'other' WHERE skip_reason IN "
               "('cost', 'pharmacy', 'away_from_home', 'worried')")
    replace_skip_reasons(SKIP_REASONS + NEW_SKIP_REASONS, SKIP_REASONS)
    with op.batch_alter_table('expectations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expectations_client_id'))
    op.drop_table('expectations')
    with op.batch_alter_table('readiness_rulers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_readiness_rulers_experiment_id'))
        batch_op.drop_index(batch_op.f('ix_readiness_rulers_checkpoint_id'))
    op.drop_table('readiness_rulers')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild of `experiments`
    # would cascade-delete its checkpoints.
    for column in ('target', 'direction', 'measure'):
        op.drop_column('appointment_notes', column)
    for column in ('agreed_on', 'agreed_with', 'strategy'):
        op.drop_column('experiments', column)
