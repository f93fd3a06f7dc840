"""The declarative base, the shared ``db`` object and column types used by every model."""
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def column_rows(session, statement, values: dict | None = None):
    """The rows of a read of plain columns, sent on the session's connection (in its
    transaction) without the ORM's steps per statement, which cost small reads more than the
    database's work. The session's pending changes are flushed first, as the ORM's own reads
    do (a connection's reads don't), so such a read never misses what this request wrote."""
    session.flush()
    return session.connection().execute(statement, values)


def value_enum(cls, name: str, length: int = 20) -> Enum:
    """A Python enum stored as its values in a checked string column (same on SQLite and
    PostgreSQL, and easy to extend with a migration)."""
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e],
                native_enum=False, length=length, create_constraint=True)


class UTCDateTime(TypeDecorator):
    """A point in time, always stored as UTC and always read back timezone-aware.

    SQLite has no time zone type, so values are written as naive UTC there; reading
    attaches UTC again. Naive values are refused on the way in: a naive datetime in
    domain code is a bug (whose local time would it be?).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
