"""What the client notes about how they are: side effects and daily check-ins."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Column, Date, Enum, ForeignKey, Index, Integer, Numeric, SmallInteger,
                        String, Table, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.medication import Medication


class Severity(str, enum.Enum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


side_effect_medications = Table(
    "side_effect_medications", db.metadata,
    Column("side_effect_id", Integer, ForeignKey("side_effects.id", ondelete="CASCADE"),
           primary_key=True),
    Column("medication_id", Integer, ForeignKey("medications.id", ondelete="CASCADE"),
           primary_key=True),
)


class SideEffect(db.Model):
    __tablename__ = "side_effects"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key"),
        Index("ix_side_effects_client_started", "client_id", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    symptom: Mapped[str] = mapped_column(String(80))
    severity: Mapped[Severity] = mapped_column(
        Enum(Severity, name="severity", values_callable=lambda e: [m.value for m in e],
             native_enum=False, length=10, create_constraint=True))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(1000), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    medications: Mapped[list[Medication]] = relationship(secondary=side_effect_medications)


class CheckIn(db.Model):
    """One per client and local day: sleep, energy, mood and everyday functioning (1-5)."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("client_id", "local_date"),
        UniqueConstraint("client_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    sleep_hours: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    sleep_quality: Mapped[int | None] = mapped_column(SmallInteger)
    energy: Mapped[int | None] = mapped_column(SmallInteger)
    mood: Mapped[int | None] = mapped_column(SmallInteger)
    work: Mapped[int | None] = mapped_column(SmallInteger)
    relationships: Mapped[int | None] = mapped_column(SmallInteger)
    self_care: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(1000), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
