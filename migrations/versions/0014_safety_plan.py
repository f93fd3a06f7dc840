"""The client's plan for hard times, and sharing it as its own category.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_CATEGORIES = ('medications', 'dose_log', 'side_effects', 'sleep', 'energy', 'mood',
                  'functioning', 'notes', 'questions', 'manage_reminders')
NEW_CATEGORIES = OLD_CATEGORIES + ('safety_plan',)


def _categories(values):
    return sa.Enum(*values, name='share_category', native_enum=False, create_constraint=True,
                   length=20)


def upgrade():
    op.create_table('safety_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_safety_plans_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plans')),
    sa.UniqueConstraint('client_id', name=op.f('uq_safety_plans_client_id'))
    )
    op.create_table('safety_plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.Enum('warning_signs', 'what_helps', 'people_places', 'contacts', 'safer', name='plan_section', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['safety_plans.id'], name=op.f('fk_safety_plan_items_plan_id_safety_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plan_items'))
    )
    with op.batch_alter_table('safety_plan_items', schema=None) as batch_op:
        batch_op.create_index('ix_safety_plan_items_plan_section', ['plan_id', 'section', 'position'], unique=False)
    # The category column's check constraint lists the values it accepts (SQLite: the table
    # is rebuilt in batch mode, with the new constraint).
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.alter_column('category', existing_type=_categories(OLD_CATEGORIES),
                              type_=_categories(NEW_CATEGORIES), existing_nullable=False)


def downgrade():
    op.execute(sa.text("DELETE FROM grants WHERE category = 'safety_plan'"))
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.alter_column('category', existing_type=_categories(NEW_CATEGORIES),
                              type_=_categories(OLD_CATEGORIES), existing_nullable=False)
    with op.batch_alter_table('safety_plan_items', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_plan_items_plan_section')
    op.drop_table('safety_plan_items')
    op.drop_table('safety_plans')
