"""Decisions the client owns: medication experiments with checkpoints, and what they bring to
an appointment (goals, concerns, pros and cons of a decision, questions).

Everything here is written by the client, in their own words. Tend keeps it and lays their
own record next to it; it never judges whether a medication works."""
import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        Time, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow, value_enum
from models.medication import Medication



class ExperimentKind(str, enum.Enum):
    START = "start"
    CHANGE = "change"
    STOP = "stop"


class Verdict(str, enum.Enum):
    """The client's own answer to "how is it going?" at a checkpoint."""

    HELPING = "helping"
    MIXED = "mixed"
    NO_CHANGE = "no_change"
    NOT_HELPING = "not_helping"
    UNSURE = "unsure"


class Experiment(db.Model):
    """A change the client treats as an experiment they design and review: a medication
    change, or a strategy (``strategy`` names it: a sleep routine, exercise...; empty for a
    medication change). A strategy may go alongside a medication (``medication_id``).

    ``changed_on`` is the first day of the change. The "before" window is the
    ``baseline_days`` days just before it; each checkpoint compares it with the same number
    of days just before the checkpoint. ``measures`` names what the client tracks:
    check-in fields (``sleep_hours``, ``mood``...) or ``side_effect:<symptom>``."""

    __tablename__ = "experiments"
    __table_args__ = (Index("ix_experiments_client_changed", "client_id", "changed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    medication_id: Mapped[int | None] = mapped_column(
        ForeignKey("medications.id", ondelete="SET NULL"), index=True)
    kind: Mapped[ExperimentKind] = mapped_column(value_enum(ExperimentKind, "experiment_kind"))
    title: Mapped[str] = mapped_column(String(120))
    changed_on: Mapped[date] = mapped_column(Date)
    hopes: Mapped[str] = mapped_column(Text)
    worries: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    baseline_days: Mapped[int] = mapped_column(Integer, default=14)
    strategy: Mapped[str] = mapped_column(String(30), default="")
    # The trial period and checkpoint dates, as agreed with a clinician (optional).
    agreed_with: Mapped[str] = mapped_column(String(120), default="")
    agreed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    medication: Mapped[Medication | None] = relationship()
    checkpoints: Mapped[list["Checkpoint"]] = relationship(
        back_populates="experiment", order_by="Checkpoint.due_on",
        cascade="all, delete-orphan", passive_deletes=True)
    rulers: Mapped[list["Ruler"]] = relationship(
        back_populates="experiment", order_by="Ruler.id",
        cascade="all, delete-orphan", passive_deletes=True)


class Checkpoint(db.Model):
    """A date to look back. Completing it keeps the figures the client saw (``figures``)
    next to their own verdict and the next step they want to discuss."""

    __tablename__ = "experiment_checkpoints"
    __table_args__ = (UniqueConstraint("experiment_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    verdict: Mapped[Verdict | None] = mapped_column(value_enum(Verdict, "experiment_verdict"))
    reflection: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict | None] = mapped_column(JSON)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    experiment: Mapped[Experiment] = relationship(back_populates="checkpoints")


class Ruler(db.Model):
    """"How important is this to me" and "how confident am I", 0-10, with the client's own
    reasons: at the start of an experiment (``checkpoint_id`` empty) or at a checkpoint.
    Kept to look at over time; never scored."""

    __tablename__ = "readiness_rulers"

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiment_checkpoints.id", ondelete="CASCADE"), index=True)
    importance: Mapped[int | None] = mapped_column(Integer)
    importance_reason: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[int | None] = mapped_column(Integer)
    confidence_reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    experiment: Mapped[Experiment] = relationship(back_populates="rulers")


class Expectation(db.Model):
    """What the prescriber or pharmacist said to expect, and by when, in the client's words:
    of one experiment or of one medication (exactly one of the two)."""

    __tablename__ = "expectations"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    experiment_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), unique=True)
    medication_id: Mapped[int | None] = mapped_column(
        ForeignKey("medications.id", ondelete="CASCADE"), unique=True)
    said_by: Mapped[str] = mapped_column(String(120), default="")
    effects: Mapped[str] = mapped_column(Text, default="")
    side_effects: Mapped[str] = mapped_column(Text, default="")
    when_to_call: Mapped[str] = mapped_column(Text, default="")
    by_when: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoteKind(str, enum.Enum):
    GOAL = "goal"
    CONCERN = "concern"


class AppointmentNote(db.Model):
    """A goal or a concern the client wants to bring to their next appointment.

    A goal may be linked to one of the record's measures (``measure``: a check-in answer,
    ``side_effect:<symptom>`` or ``doses_taken``) with the way the client wants it to go
    (``direction``: up, down or steady) and, optionally, a ``target``."""

    __tablename__ = "appointment_notes"
    __table_args__ = (Index("ix_appointment_notes_client_kind", "client_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NoteKind] = mapped_column(value_enum(NoteKind, "appointment_note_kind"))
    text: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(String(90), default="")
    direction: Mapped[str] = mapped_column(String(10), default="")
    target: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Balance(db.Model):
    """A decision the client is weighing (decisional balance): its pros and cons."""

    __tablename__ = "decision_balances"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    topic: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    reasons: Mapped[list["BalanceReason"]] = relationship(
        back_populates="balance", order_by="BalanceReason.id",
        cascade="all, delete-orphan", passive_deletes=True)


class Side(str, enum.Enum):
    PRO = "pro"
    CON = "con"


class BalanceReason(db.Model):
    __tablename__ = "decision_balance_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    balance_id: Mapped[int] = mapped_column(
        ForeignKey("decision_balances.id", ondelete="CASCADE"), index=True)
    side: Mapped[Side] = mapped_column(value_enum(Side, "balance_side"))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    balance: Mapped[Balance] = relationship(back_populates="reasons")


class Question(db.Model):
    """A question for the next appointment; later marked asked, and answered in the
    client's own words."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_client_created", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CheckinReminder(db.Model):
    """The optional daily check-in reminder: off unless the client turns it on."""

    __tablename__ = "checkin_reminders"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    local_time: Mapped[time] = mapped_column(Time)


__all__ = ["AppointmentNote", "Balance", "BalanceReason", "CheckinReminder", "Checkpoint",
           "Expectation", "Experiment", "ExperimentKind", "NoteKind", "Question", "Ruler", "Side",
           "Verdict"]
