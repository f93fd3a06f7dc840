"""Get help: the client's own help contacts, the region their emergency number is looked up
for, and "Help contacts" as a category a client can share.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

CATEGORIES = ('medications', 'dose_log', 'side_effects', 'sleep', 'energy', 'mood',
              'functioning', 'notes', 'questions', 'manage_reminders', 'safety_plan')


def share_category(values):
    return sa.Enum(*values, name='share_category', native_enum=False, create_constraint=True,
                   length=20)


def replace_share_categories(old, new):
    """The category column is checked against its values: rebuild the check (SQLite rebuilds
    the table in batch mode; nothing references ``grants``, so no ON DELETE action fires)."""
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.alter_column('category', existing_type=share_category(old),
                              type_=share_category(new), existing_nullable=False)


def upgrade():
    op.create_table('help_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('prescriber', 'therapist', 'trusted_person', 'crisis_line', name='help_contact_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('texting', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_help_contacts_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_contacts'))
    )
    with op.batch_alter_table('help_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_help_contacts_client_kind', ['client_id', 'kind'], unique=False)
    op.create_table('help_settings',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=2), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_help_settings_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_help_settings'))
    )
    replace_share_categories(CATEGORIES, CATEGORIES + ('contacts',))


def downgrade():
    op.execute("DELETE FROM grants WHERE category = 'contacts'")
    replace_share_categories(CATEGORIES + ('contacts',), CATEGORIES)
    op.drop_table('help_settings')
    with op.batch_alter_table('help_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_help_contacts_client_kind')
    op.drop_table('help_contacts')
