"""What the client notes about how they are: side effects and daily check-ins.

``CHECKIN_FIELDS`` is the check-in's one vocabulary: each answer's column, the sharing
category it belongs to, its label, and the kind of value it holds. Forms, the API and its
OpenAPI document, FHIR, insights, the care pages and the history read it from here."""
import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Column, Date, Enum, ForeignKey, Index, Integer, Numeric,
                        SmallInteger, String, Table, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.medication import Medication
from models.sharing import Category


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


class AnswerKind(str, enum.Enum):
    HOURS = "hours"   # a number of hours, 0 to 24, in half hours or finer
    SCALE = "scale"   # 1 to 5, where 5 is the best
    TEXT = "text"     # free text


HOURS_RANGE = (Decimal(0), Decimal(24))
SCALE_RANGE = (1, 5)
NOTE_LIMIT = 1000


@dataclass(frozen=True)
class CheckinField:
    """One answer of the daily check-in. ``low`` and ``high`` say what a scale's ends mean;
    ``prompt`` is the question a form asks when it differs from the label."""

    name: str
    category: Category
    label: str
    kind: AnswerKind
    low: str = ""
    high: str = ""
    prompt: str = ""

    @property
    def question(self) -> str:
        return self.prompt or self.label


CHECKIN_FIELDS = (
    CheckinField("sleep_hours", Category.SLEEP, _l("Hours of sleep"), AnswerKind.HOURS),
    CheckinField("sleep_quality", Category.SLEEP, _l("How well you slept"), AnswerKind.SCALE,
                 _l("1 Very badly"), _l("5 Very well")),
    CheckinField("energy", Category.ENERGY, _l("Energy"), AnswerKind.SCALE,
                 _l("1 Very low"), _l("5 Very high")),
    CheckinField("mood", Category.MOOD, _l("Mood"), AnswerKind.SCALE,
                 _l("1 Very low"), _l("5 Very good")),
    CheckinField("work", Category.FUNCTIONING, _l("Work or study"), AnswerKind.SCALE,
                 _l("1 Couldn't manage"), _l("5 Went well")),
    CheckinField("relationships", Category.FUNCTIONING, _l("Relationships"), AnswerKind.SCALE,
                 _l("1 Very hard"), _l("5 Went well")),
    CheckinField("self_care", Category.FUNCTIONING, _l("Looking after yourself"),
                 AnswerKind.SCALE, _l("1 Very hard"), _l("5 Went well")),
    CheckinField("note", Category.NOTES, _l("Note"), AnswerKind.TEXT,
                 prompt=_l("Anything else about today? (optional)")),
)
CHECKIN_FIELD = {item.name: item for item in CHECKIN_FIELDS}
# The answers that are numbers (everything but the note): what charts and comparisons read.
CHECKIN_MEASURES = tuple(item for item in CHECKIN_FIELDS if item.kind is not AnswerKind.TEXT)
CHECKIN_SCALES = tuple(item for item in CHECKIN_FIELDS if item.kind is AnswerKind.SCALE)


def checkin_fields_of(category: Category) -> tuple[str, ...]:
    """The names of the check-in measures a sharing category covers (none for most)."""
    return tuple(item.name for item in CHECKIN_MEASURES if item.category is category)


# The categories that hold check-in measures, in the order of the check-in.
CHECKIN_CATEGORIES = tuple(dict.fromkeys(item.category for item in CHECKIN_MEASURES))


class CheckIn(db.Model):
    """One per client and local day: the answers of ``CHECKIN_FIELDS``.

    ``field_changed_at`` maps an answer's name to when it was last changed (the moment of
    the edit on the device, ISO 8601): when two devices changed one answer, the later edit
    is kept. An answer not in it counts as changed at ``updated_at``."""

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
    note: Mapped[str] = mapped_column(String(NOTE_LIMIT), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    field_changed_at: Mapped[dict] = mapped_column(JSON, default=dict)

    def changed_at(self, name: str) -> datetime:
        stamp = (self.field_changed_at or {}).get(name)
        return datetime.fromisoformat(stamp) if stamp else self.updated_at
