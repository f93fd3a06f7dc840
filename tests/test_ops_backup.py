"""`flask backup` then `flask restore` into an empty database gives back every row of every
table; a SQLite backup taken while someone writes is one consistent snapshot."""
import sqlite3
import threading

import pytest

from models import Base, LoginThrottle, User, db
from models.base import utcnow
from tend import demo
from tend.ops.heartbeat import record_heartbeat
from tests.conftest import TEST_DATABASE_URL, login, make_test_app, new_database_url


def every_row(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {table.name: sorted(tuple(map(repr, row)) for row in conn.execute(table.select()))
                for table in Base.metadata.sorted_tables}


def fill_the_record(app, client, alice, clock) -> None:
    login(client, alice)
    demo.create_demo_accounts(db.session, clock())
    record_heartbeat(db.session, "reminders", clock())
    db.session.add(LoginThrottle(scope="account", key="x@example.com", failures=3,
                                 window_started_at=clock(), locked_until=None))
    db.session.commit()


def test_backup_then_restore_into_an_empty_database_gives_back_every_row(
        app, client, alice, bob, clock, tmp_path):
    fill_the_record(app, client, alice, clock)
    before = every_row(db.engine)
    assert {"users", "user_sessions", "login_throttles", "worker_heartbeats"} <= {
        name for name, rows in before.items() if rows}

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
