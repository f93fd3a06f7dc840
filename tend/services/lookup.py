"""Finding a record by an id someone sent, only if it belongs to the given owner."""
from sqlalchemy.orm import Session

MAX_ID = 2**31 - 1  # the largest id any of our tables hands out (32-bit integer keys)


def as_id(value) -> int | None:
    """An id from untrusted input, or None for anything that cannot be one of ours."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def owned(db: Session, model, owner_id: int, value, owner_column: str = "client_id",
          options=()):
    """The ``model`` row with id ``value`` if it belongs to ``owner_id``; otherwise None,
    the same answer as for an id that does not exist. ``options`` are loader options."""
    record_id = as_id(value)
    record = db.get(model, record_id, options=options) if record_id else None
    return record if record is not None and getattr(record, owner_column) == owner_id else None
