"""`flask backup` then `flask restore` into an empty database gives back every row of every
table; a SQLite backup taken while someone writes is one consistent snapshot."""
import sqlite3
import threading
from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Base, LoginThrottle, User, db
from models.base import utcnow
from tend import demo
from tend.ops.heartbeat import record_heartbeat
from tests.conftest import TEST_DATABASE_URL, login, make_test_app, new_database_url


def every_row(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {table.name: sorted(tuple(map(repr, row)) for row in conn.execute(table.select()))
                for table in Base.metadata.sorted_tables}


def synthetic_value(column, conn):
    """A plain value of the column's type, or an existing row's key for a foreign key."""
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column
        return conn.execute(sa.select(target).limit(1)).scalar()
    if isinstance(column.type, sa.Enum) and column.type.enums:
        return column.type.enums[0]
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = str
    return {bool: False, int: 1, Decimal: Decimal("1.5"), float: 1.5, str: "x",
            datetime: datetime.now(timezone.utc), date: date.today(), time: time(8, 30),
            dict: {}, list: []}.get(python_type, "x")


def fill_every_empty_table() -> None:
    """One synthetic row in each table the real flows left empty (parents first), so that a
    backup that dropped any table would show."""
    for table in Base.metadata.sorted_tables:
        with db.engine.connect() as conn:
            if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                continue
            values = {column.name: synthetic_value(column, conn) for column in table.columns
                      if not (column.primary_key and column.autoincrement in (True, "auto")
                              and isinstance(column.type, sa.Integer)
                              and not column.foreign_keys)}
            try:
                conn.execute(table.insert().values(**values))
                conn.commit()
            except sa.exc.SQLAlchemyError as error:
                pytest.fail(f"could not add a row to {table.name} (give it one in "
                            f"fill_the_record): {error}")


def fill_the_record(app, client, alice, clock) -> None:
    """The demo record, a sign-in and a heartbeat through the real code, then a row in every
    table still empty."""
    login(client, alice)
    demo.create_demo_accounts(db.session, clock())
    record_heartbeat(db.session, "reminders", clock())
    db.session.add(LoginThrottle(scope="account", key="x@example.com", failures=3,
                                 window_started_at=clock(), wait_until=None))
    db.session.commit()
    fill_every_empty_table()


def test_backup_then_restore_into_an_empty_database_gives_back_every_row(
        app, client, alice, bob, clock, tmp_path):
    fill_the_record(app, client, alice, clock)
    before = every_row(db.engine)
    assert [name for name, rows in before.items() if not rows] == []

    snapshot = tmp_path / "tend.backup"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(snapshot)])
    assert result.exit_code == 0, result.output
    assert snapshot.stat().st_mode & 0o077 == 0, "a backup holds health records: owner only"

    empty = make_test_app(SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, "restored"))
    with empty.app_context():
        result = empty.test_cli_runner().invoke(args=["restore", str(snapshot)])
        assert result.exit_code == 0, result.output
        assert every_row(db.engine) == before
        db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, client, alice, clock, tmp_path):
    snapshot = tmp_path / "tend.backup"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(snapshot)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["restore", str(snapshot)])
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert db.session.get(User, alice.id) is not None


def test_restore_says_when_the_backup_is_missing(tmp_path):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new.sqlite3'}")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "No backup file" in result.output


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the SQLite backup API only")
def test_a_sqlite_backup_taken_during_writes_is_one_consistent_snapshot(app, tmp_path):
    """A writer adds rows two at a time in one transaction: a torn copy would hold an odd
    number of them (or fail its integrity check)."""
    stop = threading.Event()

    def write_pairs():
        with app.app_context():
            n = 0
            while not stop.is_set():
                now = utcnow()
                db.session.add_all([
                    LoginThrottle(scope="pair", key=f"{n}-a", failures=1, window_started_at=now),
                    LoginThrottle(scope="pair", key=f"{n}-b", failures=1, window_started_at=now)])
                db.session.commit()
                n += 1
            db.session.remove()

    writer = threading.Thread(target=write_pairs)
    writer.start()
    try:
        snapshots = []
        for index in range(5):
            snapshot = tmp_path / f"during-{index}.sqlite3"
            result = app.test_cli_runner().invoke(args=["backup", "-o", str(snapshot)])
            assert result.exit_code == 0, result.output
            snapshots.append(snapshot)
    finally:
        stop.set()
        writer.join()
    counts = []
    for snapshot in snapshots:
        with sqlite3.connect(snapshot) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            counts.append(conn.execute(
                "SELECT count(*) FROM login_throttles WHERE scope = 'pair'").fetchone()[0])
    assert all(count % 2 == 0 for count in counts)
    assert counts[-1] > 0
