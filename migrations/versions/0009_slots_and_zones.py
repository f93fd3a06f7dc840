"""Planned doses are unique per medication slot and zone; dose events keep their zone; a
client may keep home times while travelling.

- ``planned_doses``: unique on (medication, local date, local time, zone) instead of
  (regimen, local date, local time), so a new regimen version (pause, resume, change) can't
  plan a second copy of a slot. Copies made before (the pause/resume defect) are merged
  first: the copy with a taken dose is kept, else one with a logged skip, else the oldest; a
  dropped copy's taken dose stays as an intake at its own time, its skip goes (the kept copy
  says what happened to that slot).
- ``dose_events.timezone``: the zone an event happened in, filled from its planned dose (or,
  for an as-needed intake, the client's current zone, the best this history knows).
- ``users.travel_timezone``: where a client keeping home times is (None: follow local time).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00.000000

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

NEW_KEY = ('medication_id', 'local_date', 'local_time', 'timezone')
OLD_KEY = ('regimen_id', 'local_date', 'local_time')


@contextmanager
def foreign_key_actions_off():
    """SQLite rebuilds a table to change a constraint, and dropping the old table would fire
    ON DELETE actions (nulling dose events' planned dose, deleting reminders). The pragma
    only takes effect outside a transaction, so it goes straight to the driver between two
    (the app's engine begins every transaction itself, even in autocommit mode)."""
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


def merge_copies(key: tuple[str, ...]) -> None:
    """Keep one planned dose per ``key``: taken first, then logged, then the oldest."""
    columns = ', '.join(f'p.{name}' for name in key)
    rows = op.get_bind().execute(sa.text(
        f"SELECT p.id, ROW_NUMBER() OVER (PARTITION BY {columns} ORDER BY "
        "CASE WHEN e.status = 'taken' THEN 0 WHEN e.id IS NOT NULL THEN 1 ELSE 2 END, p.id) "
        "FROM planned_doses p LEFT JOIN dose_events e ON e.planned_dose_id = p.id")).all()
    copies = [row[0] for row in rows if row[1] > 1]
    for start in range(0, len(copies), 500):
        ids = {'ids': copies[start:start + 500]}
        expanding = sa.bindparam('ids', expanding=True)
        op.get_bind().execute(sa.text(
            "DELETE FROM dose_events WHERE status = 'skipped' AND planned_dose_id IN :ids")
            .bindparams(expanding), ids)
        op.get_bind().execute(sa.text(
            "UPDATE dose_events SET planned_dose_id = NULL WHERE planned_dose_id IN :ids")
            .bindparams(expanding), ids)
        op.get_bind().execute(sa.text("DELETE FROM planned_doses WHERE id IN :ids")
                              .bindparams(expanding), ids)


def upgrade():
    merge_copies(NEW_KEY)
    op.add_column('users', sa.Column('travel_timezone', sa.String(length=64), nullable=True))
    op.add_column('dose_events', sa.Column('timezone', sa.String(length=64), nullable=True))
    op.execute("UPDATE dose_events SET timezone = (SELECT p.timezone FROM planned_doses p "
               "WHERE p.id = dose_events.planned_dose_id) WHERE planned_dose_id IS NOT NULL")
    op.execute("UPDATE dose_events SET timezone = (SELECT u.timezone FROM users u "
               "WHERE u.id = dose_events.client_id) WHERE timezone IS NULL")
    with foreign_key_actions_off():
        with op.batch_alter_table('dose_events', schema=None) as batch_op:
            batch_op.alter_column('timezone', existing_type=sa.String(length=64),
                                  nullable=False)
        with op.batch_alter_table('planned_doses', schema=None) as batch_op:
            batch_op.drop_constraint('uq_planned_doses_regimen_id_local_date_local_time',
                                     type_='unique')
            batch_op.create_unique_constraint(
                'uq_planned_doses_medication_id_local_date_local_time_timezone', list(NEW_KEY))


def downgrade():
    merge_copies(OLD_KEY)
    with foreign_key_actions_off():
        with op.batch_alter_table('planned_doses', schema=None) as batch_op:
            batch_op.drop_constraint(
                'uq_planned_doses_medication_id_local_date_local_time_timezone', type_='unique')
            batch_op.create_unique_constraint(
                'uq_planned_doses_regimen_id_local_date_local_time', list(OLD_KEY))
        with op.batch_alter_table('dose_events', schema=None) as batch_op:
            batch_op.drop_column('timezone')
    op.drop_column('users', 'travel_timezone')
