"""Database engine settings that the URL alone cannot say.

SQLite: WAL journal, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for requests that
write, so that two writers queue for the lock instead of failing with "database is locked"
when a reading transaction later tries to write."""
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


def writes_intended():
    """Mark the current context as one that will write (used by CLI tasks and workers)."""
    return _write_intent.set(True)


def _mark_request_intent() -> None:
    _write_intent.set(request.method not in SAFE_METHODS)


def init_app(app) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        app.before_request(_mark_request_intent)
