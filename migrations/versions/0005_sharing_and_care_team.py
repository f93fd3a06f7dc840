"""Sharing and the care team: care links with invitations, grants, the access log, caregiver
alert settings and therapist notes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:31:04.822031

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=True),
    sa.Column('viewer_name', sa.String(length=80), nullable=False),
    sa.Column('action', sa.Enum('view', 'change', name='log_action', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('page', sa.String(length=120), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_access_log_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_access_log_viewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_client_at', ['client_id', 'at'], unique=False)

    op.create_table('care_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('client', 'therapist', 'caregiver', name='care_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'ended', name='link_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('invitee_name', sa.String(length=80), nullable=False),
    sa.Column('invite_code_hash', sa.String(length=64), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_care_links_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supporter_id'], ['users.id'], name=op.f('fk_care_links_supporter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_links')),
    sa.UniqueConstraint('invite_code_hash', name=op.f('uq_care_links_invite_code_hash'))
    )
    with op.batch_alter_table('care_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_links_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_care_links_supporter_status', ['supporter_id', 'status'], unique=False)

    op.create_table('therapist_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=True),
    sa.Column('therapist_name', sa.String(length=80), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_therapist_notes_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_therapist_notes_therapist_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapist_notes'))
    )
    with op.batch_alter_table('therapist_notes', schema=None) as batch_op:
        batch_op.create_index('ix_therapist_notes_client_created', ['client_id', 'created_at'], unique=False)

    op.create_table('caregiver_alert_settings',
    sa.Column('care_link_id', sa.Integer(), nullable=False),
    sa.Column('delay_minutes', sa.Integer(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['care_link_id'], ['care_links.id'], name=op.f('fk_caregiver_alert_settings_care_link_id_care_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('care_link_id', name=op.f('pk_caregiver_alert_settings'))
    )
    op.create_table('grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('care_link_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('medications', 'dose_log', 'side_effects', 'sleep', 'energy', 'mood', 'functioning', 'notes', 'questions', 'manage_reminders', name='share_category', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=True),
    sa.Column('until_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['care_link_id'], ['care_links.id'], name=op.f('fk_grants_care_link_id_care_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants')),
    sa.UniqueConstraint('care_link_id', 'category', name=op.f('uq_grants_care_link_id_category'))
    )


def downgrade():
    op.drop_table('grants')
    op.drop_table('caregiver_alert_settings')
    with op.batch_alter_table('therapist_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_therapist_notes_client_created')

    op.drop_table('therapist_notes')
    with op.batch_alter_table('care_links', schema=None) as batch_op:
        batch_op.drop_index('ix_care_links_supporter_status')
        batch_op.drop_index(batch_op.f('ix_care_links_client_id'))

    op.drop_table('care_links')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_client_at')

    op.drop_table('access_log')
