"""Side effects and daily check-ins."""
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import CheckIn, Severity, SideEffect, User
from models.journal import CHECKIN_FIELD, CHECKIN_FIELDS, AnswerKind
from tend.services import lookup, medications, schedule
from tend.services.errors import FieldError, raise_any

EMPTY_CHECKIN = _l("Add at least one answer or a note before saving.")
THIS_DEVICE = "this_device"
OTHER_DEVICE = "other_device"

# Suggestions on the side-effect form (the urgent ones are in tend/services/red_flags.py).
COMMON_SYMPTOMS = [
    "nausea", "headache", "dizziness", "drowsiness", "trouble sleeping", "dry mouth",
    "weight change", "restlessness", "sexual side effects", "stomach upset", "sweating",
    "tremor", "feeling emotionally flat",
]


def _future_day_error(field: str, day: date | None, today: date) -> list[FieldError]:
    if day and day > today:
        return [FieldError(field, _l("That date is in the future. Choose today or earlier."))]
    return []


def side_effect_day_errors(started_on: date | None, ended_on: date | None,
                           today: date) -> list[FieldError]:
    """What is wrong with a side effect's days, every rule checked (a form shows them all
    beside its other errors); a day left out is the form's to report."""
    errors = _future_day_error("started_on", started_on, today)
    if ended_on and started_on and ended_on < started_on:
        errors.append(FieldError("ended_on", _l("The end can't be before the start.")))
    else:
        errors += _future_day_error("ended_on", ended_on, today)
    return errors


def _suspected(db: Session, client: User, medication_ids) -> tuple[list, list[FieldError]]:
    """The client's medications named by ``medication_ids``, each once however often named,
    and the error if one of them is not the client's."""
    meds = {}
    for med_id in medication_ids or []:
        med = medications.medication_of(db, client, med_id)
        if med is None:
            return [], [FieldError("medication_ids", _l("Choose from your own medications."))]
        meds[med.id] = med
    return list(meds.values()), []


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
    suspected, medication_errors = _suspected(db, client, data.medication_ids)
    raise_any(side_effect_day_errors(data.started_on, data.ended_on,
                                     schedule.local_today(client, now)) + medication_errors)
    item.symptom, item.severity = data.symptom.strip(), data.severity
    item.started_on, item.ended_on, item.note = data.started_on, data.ended_on, data.note.strip()
    item.medications = suspected


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


_CHECKIN_ON = select(CheckIn).where(CheckIn.client_id == bindparam("client_id"),
                                    CheckIn.local_date == bindparam("day"))  # Today: built once


def checkin_on(db: Session, client: User, day: date) -> CheckIn | None:
    return db.scalar(_CHECKIN_ON, {"client_id": client.id, "day": day})


def checkin_by_key(db: Session, client: User, key: str | None) -> CheckIn | None:
    if not key:
        return None
    return db.scalar(select(CheckIn).where(CheckIn.client_id == client.id,
                                           CheckIn.idempotency_key == key))


@dataclass(frozen=True)
class CheckinConflict:
    """Another device changed ``field`` after this device's form was filled in; the later
    edit is kept: ``kept`` says whose (``THIS_DEVICE`` or ``OTHER_DEVICE``), ``value`` what."""

    field: str
    kept: str
    value: object


@dataclass
class SavedCheckin:
    checkin: CheckIn
    created: bool
    conflicts: list[CheckinConflict] = field(default_factory=list)


def _answer(name: str, value):
    """An answer as it is stored: the note as trimmed text ("" when there is none)."""
    if CHECKIN_FIELD[name].kind is AnswerKind.TEXT:
        return (value or "").strip()
    return value


def is_empty(answers: dict) -> bool:
    return all(value in (None, "") for value in answers.values())


def save_checkin(db: Session, client: User, day: date, values: dict, now: datetime,
                 idempotency_key: str | None = None, base: dict | None = None,
                 edited_at: datetime | None = None,
                 entered_in: str | None = None) -> SavedCheckin:
    """Create the check-in of a local day, or merge ``values`` into it.

    Only the answers in ``values`` are written (None, or "" for the note, clears one); the
    others stay as saved. ``base`` holds what the device's form started from: an answer
    equal to its base was not touched there and is left alone, and a saved answer that no
    longer equals its base was changed on another device meanwhile; then the later edit is
    kept, ``edited_at`` (when the person made this edit; now by default, never later)
    against when the saved answer last changed, and the conflict is reported. A check-in
    left with no answer and no note is refused: nothing is saved, the day stays open.
    ``entered_in`` is the zone the device was in when the entry was made: a day may be today
    there (an entry made offline before a flight west) even if it is still ahead at home."""
    replay = checkin_by_key(db, client, idempotency_key)
    if replay:
        return SavedCheckin(replay, False)
    today = schedule.local_today(client, now)
    if entered_in:
        today = max(today, now.astimezone(ZoneInfo(entered_in)).date())
    raise_any(_future_day_error("date", day, today))
    edited_at = min(edited_at or now, now)
    base = {name: _answer(name, value) for name, value in (base or {}).items()}
    item = checkin_on(db, client, day)
    saved = {f.name: _answer(f.name, getattr(item, f.name) if item else None)
             for f in CHECKIN_FIELDS}
    merged, changed, conflicts = dict(saved), [], []
    for name, value in values.items():
        value = _answer(name, value)
        if (name in base and value == base[name]) or value == saved[name]:
            continue  # not touched on the device, or already so
        if item is not None and name in base and saved[name] != base[name]:
            if edited_at <= item.changed_at(name):
                conflicts.append(CheckinConflict(name, OTHER_DEVICE, saved[name]))
                continue
            conflicts.append(CheckinConflict(name, THIS_DEVICE, value))
        merged[name] = value
        changed.append(name)
    if is_empty(merged):
        raise FieldError("checkin", EMPTY_CHECKIN)
    created = item is None
    if created:
        item = CheckIn(client_id=client.id, local_date=day, created_at=now, note="",
                       idempotency_key=idempotency_key, field_changed_at={})
        db.add(item)
    if changed:
        for name in changed:
            setattr(item, name, merged[name])
        item.field_changed_at = {**(item.field_changed_at or {}),
                                 **{name: edited_at.isoformat() for name in changed}}
        item.updated_at = now
    db.flush()
    return SavedCheckin(item, created, conflicts)
