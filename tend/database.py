"""Database engine settings that the URL alone cannot say.

SQLite: a file only this user can read, WAL journal, foreign keys, a busy timeout, and
``BEGIN IMMEDIATE`` for requests that write, so that two writers queue for the lock instead of failing with "database is locked"
when a reading transaction later tries to write.

A database server (PostgreSQL): a pooled connection that sat idle is pinged before use, so a
server restart or a dropped connection costs a reconnect rather than a failed request."""
import os
import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import request
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from models import db

_write_intent: ContextVar[bool] = ContextVar("tend_write_intent", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Insights counts with unixepoch() (3.38), the caseload joins json_each and AS MATERIALIZED (3.35).
OLDEST_SQLITE = (3, 38)


def require_sqlite_version(version: tuple[int, ...]) -> None:
    """Refuse to start on an SQLite too old for Tend's queries: a clear message at start
    instead of a failing page later."""
    if version < OLDEST_SQLITE:
        raise RuntimeError(
            f"SQLite {'.'.join(map(str, version))} is too old: Tend needs "
            f"{'.'.join(map(str, OLDEST_SQLITE))} or later (Debian 12 has 3.40). Use a newer "
            "Python or system SQLite, or PostgreSQL via DATABASE_URL.")


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


PING_AFTER_IDLE_SECONDS = 1.0


def _note_last_use(_dbapi_connection, record, *_proxy) -> None:
    record.info["last_used"] = time.monotonic()


def _ping_if_idle(dialect):
    """SQLAlchemy's ``pool_pre_ping``, but only for a connection idle for over a second.

    Pinging on every checkout costs each request one more round trip; a connection that
    answered a moment ago is as good as proven (HikariCP skips its check the same way).
    Raising DisconnectionError makes the pool replace the connection and try again."""
    def on_checkout(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("last_used", 0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means this connection is gone
            raise DisconnectionError(str(exc)) from exc
    return on_checkout


def _on_sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


@contextmanager
def writes_intended():
    """Within this block, transactions start as writers (used by workers and CLI tasks).

    Scoped, so that the intent never leaks into a thread's later reads: a reader that took
    the write lock and kept its transaction open would lock every other process out."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _mark_request_intent() -> None:
    _write_intent.set(request.method not in SAFE_METHODS)


def _private_file(path: str | None):
    """Before SQLite opens its file: create it readable by this user only (0600), and tighten
    one made before. SQLite gives its -wal and -shm files the main file's permissions, so they
    are private too. A missing folder stays missing (the connection fails as it would)."""
    def before_connect(*_args) -> None:
        if not path or path == ":memory:" or path.startswith("file:") \
                or not Path(path).parent.is_dir():
            return
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        for each in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
            if each.exists() and each.stat().st_mode & 0o077:
                each.chmod(0o600)
    return before_connect


def init_app(app) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        require_sqlite_version(sqlite3.sqlite_version_info)
        event.listen(engine, "do_connect", _private_file(engine.url.database))
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        app.before_request(_mark_request_intent)
    else:
        event.listen(engine, "connect", _note_last_use)
        event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
        event.listen(engine, "checkin", _note_last_use)
