"""Side effects and daily check-ins."""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CheckIn, Severity, SideEffect, User
from tend.services import lookup, medications, schedule
from tend.services.errors import FieldError

CHECKIN_FIELDS = ("sleep_hours", "sleep_quality", "energy", "mood", "work", "relationships",
                  "self_care", "note")

# Symptoms that call for urgent help, not a wait for the next appointment.
RED_FLAGS = {
    "chest pain", "trouble breathing", "swelling of face or throat", "fainting", "seizure",
    "thoughts of harming yourself", "severe rash or blistering", "high fever with stiff muscles",
}
COMMON_SYMPTOMS = [
    "nausea", "headache", "dizziness", "drowsiness", "trouble sleeping", "dry mouth",
    "weight change", "restlessness", "sexual side effects", "stomach upset", "sweating",
    "tremor", "feeling emotionally flat",
]


def is_red_flag(symptom: str) -> bool:
    return symptom.strip().lower() in RED_FLAGS


def _check_not_future(field: str, day: date | None, today: date) -> None:
    if day and day > today:
        raise FieldError(field, _l("That date is in the future. Choose today or earlier."))


def _suspected(db: Session, client: User, medication_ids) -> list:
    meds = []
    for med_id in medication_ids or []:
        med = medications.medication_of(db, client, med_id)
        if med is None:
            raise FieldError("medication_ids", _l("Choose from your own medications."))
        meds.append(med)
    return meds


def side_effect_by_key(db: Session, client: User, key: str | None) -> SideEffect | None:
    if not key:
        return None
    return db.scalar(select(SideEffect).where(SideEffect.client_id == client.id,
                                              SideEffect.idempotency_key == key))


def side_effect_of(db: Session, client: User, side_effect_id) -> SideEffect | None:
    return lookup.owned(db, SideEffect, client.id, side_effect_id)


@dataclass
class SideEffectInput:
    symptom: str
    severity: Severity
    started_on: date
    ended_on: date | None = None
    note: str = ""
    medication_ids: list | None = None


def _apply_side_effect(db: Session, client: User, item: SideEffect, data: SideEffectInput,
                       now: datetime) -> None:
    today = schedule.local_today(client, now)
    _check_not_future("started_on", data.started_on, today)
    _check_not_future("ended_on", data.ended_on, today)
    if data.ended_on and data.ended_on < data.started_on:
        raise FieldError("ended_on", _l("The end can't be before the start."))
    item.symptom, item.severity = data.symptom.strip(), data.severity
    item.started_on, item.ended_on, item.note = data.started_on, data.ended_on, data.note.strip()
    item.medications = _suspected(db, client, data.medication_ids)


def record_side_effect(db: Session, client: User, data: SideEffectInput, now: datetime,
                       idempotency_key: str | None = None) -> tuple[SideEffect, bool]:
    existing = side_effect_by_key(db, client, idempotency_key)
    if existing:
        return existing, False
    item = SideEffect(client_id=client.id, idempotency_key=idempotency_key, created_at=now)
    _apply_side_effect(db, client, item, data, now)
    db.add(item)
    db.flush()
    return item, True


def update_side_effect(db: Session, client: User, item: SideEffect, data: SideEffectInput,
                       now: datetime) -> None:
    _apply_side_effect(db, client, item, data, now)
    db.flush()


def checkin_on(db: Session, client: User, day: date) -> CheckIn | None:
    return db.scalar(select(CheckIn).where(CheckIn.client_id == client.id,
                                           CheckIn.local_date == day))


def checkin_by_key(db: Session, client: User, key: str | None) -> CheckIn | None:
    if not key:
        return None
    return db.scalar(select(CheckIn).where(CheckIn.client_id == client.id,
                                           CheckIn.idempotency_key == key))


def save_checkin(db: Session, client: User, day: date, values: dict, now: datetime,
                 idempotency_key: str | None = None) -> tuple[CheckIn, bool]:
    """Create or update the check-in of a local day; returns (check-in, created)."""
    replay = checkin_by_key(db, client, idempotency_key)
    if replay:
        return replay, False
    _check_not_future("date", day, schedule.local_today(client, now))
    item = checkin_on(db, client, day)
    created = item is None
    if created:
        item = CheckIn(client_id=client.id, local_date=day, created_at=now,
                       idempotency_key=idempotency_key)
        db.add(item)
    for name in CHECKIN_FIELDS:
        setattr(item, name, values.get(name) if name != "note" else (values.get(name) or "").strip())
    item.updated_at = now
    db.flush()
    return item, created
