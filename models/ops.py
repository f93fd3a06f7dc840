"""Operations: the heartbeat each background worker writes, read by ``/healthz``."""
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db


class WorkerHeartbeat(db.Model):
    """The last sign of life of a kind of worker. Every process of that kind beats the same
    row, so the row answers "has any of them run lately?" and says which one beat last."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255))
