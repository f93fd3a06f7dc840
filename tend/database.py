"""Database engine settings that the URL alone cannot say.

SQLite: WAL journal, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for requests that
write, so that two writers queue for the lock instead of failing with "database is locked"
when a reading transaction later tries to write."""
from contextlib import contextmanager
from contextvars import ContextVar

from flask import request
from sqlalchemy import event

from models import db

_write_intent: ContextVar[bool] = ContextVar("tend_write_intent", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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


def init_app(app) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        app.before_request(_mark_request_intent)
