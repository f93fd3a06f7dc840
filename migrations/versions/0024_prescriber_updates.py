"""Prescriber updates as dated versions with the client's approval, caregiver observations,
and a client's choice to let a therapist's updates go out without asking each time.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('care_links', sa.Column('updates_without_asking', sa.Boolean(),
                                          nullable=False, server_default=sa.false()))
    op.create_table(
        'prescriber_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('care_link_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=80), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('observations', sa.Text(), nullable=False),
        sa.Column('questions', sa.Text(), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['care_link_id'], ['care_links.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['client_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_prescriber_updates_client_created', 'prescriber_updates',
                    ['client_id', 'created_at'])
    op.create_index(op.f('ix_prescriber_updates_care_link_id'), 'prescriber_updates',
                    ['care_link_id'])
    op.create_table(
        'caregiver_observations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('care_link_id', sa.Integer(), nullable=False),
        sa.Column('author_name', sa.String(length=80), nullable=False),
        sa.Column('observed_on', sa.Date(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum('waiting', 'approved', 'declined', name='observation_status',
                                    native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['care_link_id'], ['care_links.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['client_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_caregiver_observations_client_day', 'caregiver_observations',
                    ['client_id', 'observed_on'])
    op.create_index(op.f('ix_caregiver_observations_care_link_id'), 'caregiver_observations',
                    ['care_link_id'])


def downgrade():
    op.drop_table('caregiver_observations')
    op.drop_table('prescriber_updates')
    # Plain ALTER TABLE ... DROP COLUMN, as 0017 does: a batch rebuild of `care_links` would
    # cascade-delete the grants that point at it.
    op.drop_column('care_links', 'updates_without_asking')
