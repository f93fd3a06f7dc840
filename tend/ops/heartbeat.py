"""Worker heartbeats: a background worker says it is alive, ``/healthz`` asks."""
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.ops import WorkerHeartbeat

REMINDERS = "reminders"
FRESH_FOR = timedelta(seconds=60)


def record_heartbeat(db: Session, name: str, now: datetime) -> None:
    """Upsert the heartbeat row ``name`` with this process's pid and host; the caller commits.

    One statement, no read first, so any number of worker processes can beat the same row
    at once without a race or a unique-key error."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    values = {"name": name, "beat_at": now, "pid": os.getpid(), "host": socket.gethostname()[:255]}
    statement = dialect.insert(WorkerHeartbeat).values(**values)
    db.execute(statement.on_conflict_do_update(
        index_elements=[WorkerHeartbeat.name],
        set_={key: statement.excluded[key] for key in ("beat_at", "pid", "host")}))


def last_heartbeat(db: Session, name: str) -> datetime | None:
    return db.scalar(select(WorkerHeartbeat.beat_at).where(WorkerHeartbeat.name == name))


def is_fresh(beat_at: datetime | None, now: datetime) -> bool:
    return beat_at is not None and now - beat_at <= FRESH_FOR
