"""A client's medications, their regimen versions and the doses planned from them."""
import enum
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Time,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow, value_enum

# What a medication and its schedule may hold: the forms offer these (tend/client/forms.py
# labels them) and an import accepts nothing else (tend/services/importing.py).
MEDICATION_FORMS = ("tablet", "capsule", "liquid", "drops", "patch", "injection", "inhaler",
                    "spray", "cream", "other")
STRENGTH_UNITS = ("mg", "mcg", "g", "ml", "mg/ml", "IU", "%")
STRENGTH_RANGE = (Decimal("0.001"), Decimal(100000))
AMOUNT_RANGE = (Decimal("0.01"), Decimal(100))
UNITS_RANGE = (Decimal(0), Decimal(100000))
MAX_PER_DAY_RANGE = (1, 24)
MAX_TIMES_A_DAY = 12
# How an amount per intake is counted (the client may also say it in words: "half a tablet").
AMOUNT_UNITS = ("tablet", "capsule", "ml", "drops", "puffs", "sprays", "patch", "sachet",
                "application", "injection")
# The kinds of a scheduled regimen (as-needed is ``Regimen.as_needed``): see
# ``tend.services.schedule`` for how each is expanded into planned doses.
SCHEDULE_KINDS = ("fixed", "every_hours", "every_days", "cycle")
INTERVAL_HOURS_RANGE = (1, 12)
INTERVAL_DAYS_RANGE = (2, 90)
CYCLE_DAYS_RANGE = (1, 365)
MINUTES_RANGE = (5, 24 * 60)     # as-needed: least time between doses, follow-up delay


class MedicationKind(str, enum.Enum):
    PRESCRIBED = "prescribed"
    OVER_THE_COUNTER = "over_the_counter"
    SUPPLEMENT = "supplement"


class MedicationStatus(str, enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


class RegimenChange(str, enum.Enum):
    """Why a regimen version began: shown as markers in history and charts."""
    START = "start"
    CHANGE = "change"
    PAUSE = "pause"
    RESUME = "resume"


class Medication(db.Model):
    """What the client takes, in their own words. Dose and schedule live in ``Regimen``."""

    __tablename__ = "medications"
    __table_args__ = (UniqueConstraint("client_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    form: Mapped[str] = mapped_column(String(20))
    kind: Mapped[MedicationKind] = mapped_column(value_enum(MedicationKind, "medication_kind"))
    purpose: Mapped[str] = mapped_column(String(300), default="")
    prescriber: Mapped[str] = mapped_column(String(120), default="")
    # What the prescriber or pharmacist said to do if a dose is missed, in their words:
    # Today shows it for a late dose. Tend gives no advice of its own.
    missed_dose_instructions: Mapped[str] = mapped_column(String(1000), default="")
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[MedicationStatus] = mapped_column(
        value_enum(MedicationStatus, "medication_status"), default=MedicationStatus.ACTIVE)
    units_on_hand: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    idempotency_key: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    regimens: Mapped[list["Regimen"]] = relationship(
        back_populates="medication", order_by="Regimen.valid_from",
        cascade="all, delete-orphan", passive_deletes=True)


class Regimen(db.Model):
    """One version of a medication's dose and schedule. A change adds a version; none is
    ever edited after it has ended, so history shows what was taken when."""

    __tablename__ = "regimens"

    id: Mapped[int] = mapped_column(primary_key=True)
    medication_id: Mapped[int] = mapped_column(
        ForeignKey("medications.id", ondelete="CASCADE"), index=True)
    change: Mapped[RegimenChange] = mapped_column(value_enum(RegimenChange, "regimen_change"))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    strength: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    strength_unit: Mapped[str] = mapped_column(String(12), default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=1)
    as_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    max_per_day: Mapped[int | None] = mapped_column(Integer)
    times: Mapped[list[str]] = mapped_column(JSON, default=list)  # local "HH:MM", sorted
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday
    # The schedule's kind (SCHEDULE_KINDS); "fixed" is times on weekdays. For "every_hours"
    # ``times`` holds the times it gives (from the first, every ``interval_hours``, up to
    # ``last_time``), so every reader of ``times`` sees the real times of day.
    schedule_kind: Mapped[str] = mapped_column(String(12), default="fixed",
                                               server_default="fixed")
    interval_hours: Mapped[int | None] = mapped_column(Integer)
    last_time: Mapped[str] = mapped_column(String(5), default="", server_default="")
    interval_days: Mapped[int | None] = mapped_column(Integer)
    cycle_on_days: Mapped[int | None] = mapped_column(Integer)
    cycle_off_days: Mapped[int | None] = mapped_column(Integer)
    # The local day every-N-days and cycles count from (their first day of doses).
    anchor_on: Mapped[date | None] = mapped_column(Date)
    # A different amount on some weekdays: {"5": "0.5"} (Saturday half a tablet); others
    # take ``amount``.
    weekday_amounts: Mapped[dict | None] = mapped_column(JSON)
    # What one intake is counted in, and the client's own words for it.
    amount_unit: Mapped[str] = mapped_column(String(20), default="", server_default="")
    amount_words: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # As needed: what for, the least time between doses (a message, never a block) and when
    # to ask "did it help?" after a dose.
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    min_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    follow_up_minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300), default="")
    # Local date through which planned doses exist for this version.
    planned_through: Mapped[date | None] = mapped_column(Date)

    medication: Mapped[Medication] = relationship(back_populates="regimens")

    @property
    def is_paused(self) -> bool:
        return self.change is RegimenChange.PAUSE


class PlannedDose(db.Model):
    """One scheduled intake. Today, adherence, reminders and caregiver alerts all point here,
    so "was this dose taken?" has one answer.

    A slot is the medication's scheduled local time on a local day, whichever regimen version
    it falls under, in the zone it was planned in: one row per slot and zone. Only a move to
    another zone may plan a slot a second time, in the new zone (see ``tend.services.schedule``
    for when)."""

    __tablename__ = "planned_doses"
    __table_args__ = (
        UniqueConstraint("medication_id", "local_date", "local_time", "timezone"),
        Index("ix_planned_doses_client_due", "client_id", "due_at"),
        Index("ix_planned_doses_client_day", "client_id", "local_date", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    medication_id: Mapped[int] = mapped_column(
        ForeignKey("medications.id", ondelete="CASCADE"), index=True)
    regimen_id: Mapped[int] = mapped_column(ForeignKey("regimens.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    medication: Mapped[Medication] = relationship()
    regimen: Mapped[Regimen] = relationship()
    event: Mapped["DoseEvent | None"] = relationship(back_populates="planned_dose",
                                                     uselist=False)


class DoseStatus(str, enum.Enum):
    TAKEN = "taken"
    SKIPPED = "skipped"


class SkipReason(str, enum.Enum):
    FORGOT = "forgot"
    CHOSE_NOT_TO = "chose_not_to"
    SIDE_EFFECTS = "side_effects"
    RAN_OUT = "ran_out"
    COST = "cost"
    PHARMACY = "pharmacy"              # couldn't get it from the pharmacy
    AWAY = "away_from_home"
    WORRIED = "worried"                # worried about it (the dose's note says more)
    OTHER = "other"


HELPED_ANSWERS = ("yes", "a_little", "no")


class DoseEvent(db.Model):
    """A dose taken or skipped, as the client (or someone they allowed) logged it."""

    __tablename__ = "dose_events"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key"),
        Index("ix_dose_events_client_time", "client_id", "occurred_at"),
        Index("ix_dose_events_client_follow_up", "client_id", "follow_up_at"),
        Index("ix_dose_events_client_status_time", "client_id", "status", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    medication_id: Mapped[int] = mapped_column(
        ForeignKey("medications.id", ondelete="CASCADE"), index=True)
    planned_dose_id: Mapped[int | None] = mapped_column(
        ForeignKey("planned_doses.id", ondelete="SET NULL"), unique=True)
    status: Mapped[DoseStatus] = mapped_column(value_enum(DoseStatus, "dose_status"))
    # When it was taken, or for a skip, when the skipped dose was due.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The zone it happened in (a scheduled dose's own zone): a later move never changes the
    # local time it is shown at.
    timezone: Mapped[str] = mapped_column(String(64))
    skip_reason: Mapped[SkipReason | None] = mapped_column(
        value_enum(SkipReason, "skip_reason"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    note: Mapped[str] = mapped_column(String(500), default="")
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(36))
    # An as-needed dose whose regimen asks "did it help?": when to ask, and the answer
    # (HELPED_ANSWERS) once given.
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    helped: Mapped[str | None] = mapped_column(String(12))
    helped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    medication: Mapped[Medication] = relationship()
    planned_dose: Mapped[PlannedDose | None] = relationship(back_populates="event")
    logged_by = relationship("User", foreign_keys=[logged_by_id])

    @property
    def local_date(self) -> date:
        """The day it happened on, as the clock read where it happened."""
        return local_date_of(self.occurred_at, self.timezone)


def local_date_of(occurred_at: datetime, zone_name: str) -> date:
    """The day a dose event happened on, as the clock read where it happened (for a page
    that reads only the event's columns)."""
    return occurred_at.astimezone(ZoneInfo(zone_name)).date()


__all__ = ["AMOUNT_RANGE", "AMOUNT_UNITS", "CYCLE_DAYS_RANGE", "HELPED_ANSWERS",
           "INTERVAL_DAYS_RANGE", "INTERVAL_HOURS_RANGE", "MINUTES_RANGE", "SCHEDULE_KINDS",
           "DoseEvent", "DoseStatus", "MAX_PER_DAY_RANGE", "MAX_TIMES_A_DAY",
           "MEDICATION_FORMS", "Medication", "MedicationKind", "MedicationStatus",
           "PlannedDose", "Regimen", "RegimenChange", "STRENGTH_RANGE", "STRENGTH_UNITS",
           "SkipReason", "UNITS_RANGE"]
