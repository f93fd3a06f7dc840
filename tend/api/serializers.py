"""The JSON shapes of the client's record, as the OpenAPI document describes them."""
from datetime import date, datetime
from decimal import Decimal

from models import CheckIn, DoseEvent, Medication, Regimen, SideEffect, User
from models.journal import CHECKIN_FIELD, CHECKIN_FIELDS, AnswerKind
from tend.services import doses, medications, schedule
from tend.services.journal import SavedCheckin


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def regimen_json(regimen: Regimen) -> dict:
    return {"id": regimen.id, "change": regimen.change.value,
            "valid_from": _iso(regimen.valid_from), "valid_to": _iso(regimen.valid_to),
            "strength": _number(regimen.strength), "strength_unit": regimen.strength_unit,
            "amount": _number(regimen.amount), "as_needed": regimen.as_needed,
            "max_per_day": regimen.max_per_day, "times": list(regimen.times),
            "weekdays": list(regimen.weekdays), "note": regimen.note,
            "schedule_kind": regimen.schedule_kind, "interval_hours": regimen.interval_hours,
            "last_time": regimen.last_time, "interval_days": regimen.interval_days,
            "cycle_on_days": regimen.cycle_on_days, "cycle_off_days": regimen.cycle_off_days,
            "anchor_on": regimen.anchor_on.isoformat() if regimen.anchor_on else None,
            "weekday_amounts": {day: float(amount) for day, amount in
                                (regimen.weekday_amounts or {}).items()},
            "amount_unit": regimen.amount_unit, "amount_words": regimen.amount_words,
            "reason": regimen.reason, "min_interval_minutes": regimen.min_interval_minutes,
            "follow_up_minutes": regimen.follow_up_minutes}


def medication_summary(med: Medication, regimen: Regimen) -> dict:
    """The medication with the strength of ``regimen``: the version in force on the day
    asked about, or a planned dose's own version."""
    return {"id": med.id, "name": med.name, "strength": _number(regimen.strength),
            "unit": regimen.strength_unit, "form": med.form}


def medication_json(med: Medication, client: User, now: datetime, day: date | None = None
                    ) -> dict:
    """The medication as it stands on the client's local ``day`` (today when not given):
    the version in force then, and under ``scheduled`` the changes still to come."""
    dosing = medications.dosing_on(med, client, day or schedule.local_today(client, now), now)
    regimen = dosing.regimen
    runs_out = medications.runs_out_on(med, client, now)
    return {**medication_summary(med, regimen), "kind": med.kind.value,
            "status": med.status.value, "purpose": med.purpose, "prescriber": med.prescriber,
            "missed_dose_instructions": med.missed_dose_instructions,
            "started_on": med.started_on.isoformat(),
            "ended_on": med.ended_on.isoformat() if med.ended_on else None,
            "end_reason": med.end_reason, "amount": _number(regimen.amount),
            "as_needed": regimen.as_needed, "max_per_day": regimen.max_per_day,
            "times": list(regimen.times), "weekdays": list(regimen.weekdays),
            "units_on_hand": _number(med.units_on_hand),
            "runs_out_on": runs_out.isoformat() if runs_out else None,
            "regimens": [regimen_json(r) for r in med.regimens],
            "scheduled": [regimen_json(r) for r in dosing.scheduled]}


def dose_event_json(event: DoseEvent) -> dict:
    planned = event.planned_dose
    return {"id": event.id, "medication_id": event.medication_id,
            "planned_dose_id": event.planned_dose_id, "status": event.status.value,
            "occurred_at": _iso(event.occurred_at),
            "late": doses.taken_late(planned, event),
            "skip_reason": event.skip_reason.value if event.skip_reason else None,
            "note": event.note, "logged_at": _iso(event.logged_at),
            "amount": _number(event.amount), "follow_up_at": _iso(event.follow_up_at),
            "helped": event.helped,
            "logged_by": event.logged_by.display_name if event.logged_by_id else None,
            "idempotency_key": event.idempotency_key}


def dose_row_json(row: doses.DoseRow) -> dict:
    planned = row.planned
    return {"id": planned.id, "medication": medication_summary(planned.medication,
                                                               planned.regimen),
            "due_at": _iso(planned.due_at), "local_date": planned.local_date.isoformat(),
            "local_time": planned.local_time.strftime("%H:%M"), "status": row.state,
            "event": dose_event_json(row.event) if row.event else None}


def side_effect_json(item: SideEffect) -> dict:
    return {"id": item.id, "symptom": item.symptom, "severity": item.severity.value,
            "medication_ids": sorted(m.id for m in item.medications),
            "started_on": item.started_on.isoformat(),
            "ended_on": item.ended_on.isoformat() if item.ended_on else None,
            "note": item.note, "idempotency_key": item.idempotency_key}


def checkin_answer_json(name: str, value):
    return _number(value) if CHECKIN_FIELD[name].kind is AnswerKind.HOURS else value


def checkin_json(item: CheckIn) -> dict:
    return {"id": item.id, "date": item.local_date.isoformat(),
            **{f.name: checkin_answer_json(f.name, getattr(item, f.name))
               for f in CHECKIN_FIELDS},
            "idempotency_key": item.idempotency_key, "updated_at": _iso(item.updated_at)}


def saved_checkin_json(result: SavedCheckin) -> dict:
    """The check-in after a save, and each answer two devices changed: whose was kept."""
    return {**checkin_json(result.checkin), "conflicts": [
        {"field": c.field, "kept": c.kept, "value": checkin_answer_json(c.field, c.value)}
        for c in result.conflicts]}
