"""Schedule kinds (every N hours, every N days, cycles, amounts by weekday), amounts in units
and words, as-needed reasons, least intervals and "did it help?" follow-ups.

Existing regimens keep their times and weekdays: their kind is "fixed".

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 14:40:00.000000

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

from models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

REGIMEN_COLUMNS = (
    ('schedule_kind', sa.String(length=12), dict(nullable=False, server_default='fixed')),
    ('interval_hours', sa.Integer(), dict(nullable=True)),
    ('last_time', sa.String(length=5), dict(nullable=False, server_default='')),
    ('interval_days', sa.Integer(), dict(nullable=True)),
    ('cycle_on_days', sa.Integer(), dict(nullable=True)),
    ('cycle_off_days', sa.Integer(), dict(nullable=True)),
    ('anchor_on', sa.Date(), dict(nullable=True)),
    ('weekday_amounts', sa.JSON(), dict(nullable=True)),
    ('amount_unit', sa.String(length=20), dict(nullable=False, server_default='')),
    ('amount_words', sa.String(length=80), dict(nullable=False, server_default='')),
    ('reason', sa.String(length=200), dict(nullable=False, server_default='')),
    ('min_interval_minutes', sa.Integer(), dict(nullable=True)),
    ('follow_up_minutes', sa.Integer(), dict(nullable=True)),
)
DOSE_EVENT_COLUMNS = (
    ('follow_up_at', UTCDateTime(), dict(nullable=True)),
    ('helped', sa.String(length=12), dict(nullable=True)),
    ('helped_at', UTCDateTime(), dict(nullable=True)),
)

FOLLOW_UP_KEY = 'fk_reminders_dose_event_id_dose_events'


@contextmanager
def foreign_key_actions_off():
    """SQLite rebuilds `reminders` to add a reference, and dropping the old table would fire
    ON DELETE actions (deleting delivery attempts): as in 0009, the pragma goes straight to
    the driver between two transactions."""
    if op.get_bind().dialect.name != 'sqlite':
        yield
        return
    set_pragma('OFF')
    try:
        yield
    finally:
        set_pragma('ON')


def set_pragma(value: str) -> None:
    with op.get_context().autocommit_block():
        driver = op.get_bind().connection.dbapi_connection
        if driver.in_transaction:
            driver.commit()
        driver.execute(f'PRAGMA foreign_keys={value}')


def upgrade():
    for name, kind, options in REGIMEN_COLUMNS:
        op.add_column('regimens', sa.Column(name, kind, **options))
    for name, kind, options in DOSE_EVENT_COLUMNS:
        op.add_column('dose_events', sa.Column(name, kind, **options))
    with foreign_key_actions_off(), op.batch_alter_table('reminders') as batch_op:
        batch_op.add_column(sa.Column('dose_event_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FOLLOW_UP_KEY, 'dose_events', ['dose_event_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index('uq_reminders_dose_event_kind_subscription',
                              ['dose_event_id', 'kind', 'subscription_id'], unique=True)


def downgrade():
    with foreign_key_actions_off(), op.batch_alter_table('reminders') as batch_op:
        batch_op.drop_index('uq_reminders_dose_event_kind_subscription')
        batch_op.drop_constraint(FOLLOW_UP_KEY, type_='foreignkey')
        batch_op.drop_column('dose_event_id')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0017 does.
    for name, _, _ in reversed(DOSE_EVENT_COLUMNS):
        op.drop_column('dose_events', name)
    for name, _, _ in reversed(REGIMEN_COLUMNS):
        op.drop_column('regimens', name)
