"""The largest export an import accepts: every kind at its row limit (ten years of heavy use),
with values as Tend writes them and every unique rule kept."""
import io
import json
import zipfile
from datetime import date, datetime, timedelta, timezone

from tend.services.importing import ROW_LIMITS

OLD_ID = 7
FIRST_DAY = date(2016, 4, 1)
START = datetime(2016, 4, 1, 8, 0, tzinfo=timezone.utc)


def _moment(n: int, minutes: int = 7) -> str:
    return (START + timedelta(minutes=minutes * n)).isoformat()


def _day(n: int) -> str:
    return (FIRST_DAY + timedelta(days=n)).isoformat()


def max_size_document() -> dict:
    limit = ROW_LIMITS
    medications = limit["medications"]
    kinds = {
        "medications": [{
            "id": 1 + n, "client_id": OLD_ID, "name": f"Medication {n}", "form": "tablet",
            "kind": "prescribed", "purpose": "For sleep, in my words", "prescriber": "Dr Lee",
            "started_on": _day(n), "ended_on": None, "end_reason": "", "status": "active",
            "units_on_hand": "30.00", "idempotency_key": None, "created_at": _moment(n)}
            for n in range(medications)],
        "regimens": [{
            "id": 1 + n, "medication_id": 1 + n % medications, "change": "start",
            "valid_from": _moment(n), "valid_to": None, "strength": "50.000",
            "strength_unit": "mg", "amount": "1.00", "as_needed": False, "max_per_day": None,
            "times": ["08:00", "20:00"], "weekdays": [0, 1, 2, 3, 4, 5, 6],
            "note": "Raised after the appointment", "planned_through": "2026-03-31"}
            for n in range(limit["regimens"])],
        "medication_reminders": [{"medication_id": 1 + n, "enabled": True, "repeat": False}
                                 for n in range(limit["medication_reminders"])],
        "planned_doses": [{
            "id": 1 + n, "client_id": OLD_ID, "medication_id": 1 + n % medications,
            "regimen_id": 1 + n % medications, "local_date": _day(n // medications),
            "local_time": "08:00:00", "timezone": "Europe/London",
            "due_at": _moment(n, 1)} for n in range(limit["planned_doses"])],
        "dose_events": [{
            "id": 1 + n, "client_id": OLD_ID, "medication_id": 1 + n % medications,
            "planned_dose_id": 1 + n, "status": "taken", "occurred_at": _moment(n, 1),
            "timezone": "Europe/London", "skip_reason": None, "amount": "1.00",
            "note": "with breakfast", "logged_at": _moment(n, 1), "logged_by_id": None,
            "idempotency_key": None} for n in range(limit["dose_events"])],
        "side_effects": [{
            "id": 1 + n, "client_id": OLD_ID, "symptom": "Nausea", "severity": "mild",
            "started_on": _day(n // 3), "ended_on": None, "note": "after lunch",
            "idempotency_key": None, "created_at": _moment(n)}
            for n in range(limit["side_effects"])],
        "side_effect_medications": [{"side_effect_id": 1 + n // 3,
                                     "medication_id": 1 + n % 3}
                                    for n in range(limit["side_effect_medications"])],
        "checkins": [{
            "id": 1 + n, "client_id": OLD_ID, "local_date": _day(n), "sleep_hours": "7.5",
            "sleep_quality": 4, "energy": 3, "mood": 4, "work": 3, "relationships": 4,
            "self_care": 4, "note": "A long walk", "idempotency_key": None,
            "created_at": _moment(n), "updated_at": _moment(n),
            "field_changed_at": {"mood": _moment(n)}} for n in range(limit["checkins"])],
        "experiments": [{
            "id": 1 + n, "client_id": OLD_ID, "medication_id": 1 + n % medications,
            "kind": "change", "title": f"Experiment {n}", "changed_on": _day(n),
            "hopes": "Steadier mood", "worries": "", "measures": ["mood", "sleep_hours"],
            "baseline_days": 14, "created_at": _moment(n), "ended_at": None}
            for n in range(limit["experiments"])],
        "experiment_checkpoints": [{
            "id": 1 + n, "experiment_id": 1 + n // 8, "due_on": _day(n % 8 * 7),
            "verdict": None, "reflection": "", "next_step": "", "figures": None,
            "completed_at": None} for n in range(limit["experiment_checkpoints"])],
        "appointment_notes": [{
            "id": 1 + n, "client_id": OLD_ID, "kind": "goal", "text": "Back to work",
            "created_at": _moment(n), "done_at": None}
            for n in range(limit["appointment_notes"])],
        "decision_balances": [{
            "id": 1 + n, "client_id": OLD_ID, "topic": "Lower the dose?",
            "created_at": _moment(n), "done_at": None}
            for n in range(limit["decision_balances"])],
        "decision_balance_reasons": [{
            "id": 1 + n, "balance_id": 1 + n // 20, "side": "pro", "text": "Less nausea",
            "created_at": _moment(n)} for n in range(limit["decision_balance_reasons"])],
        "questions": [{
            "id": 1 + n, "client_id": OLD_ID, "text": "How long?", "created_at": _moment(n),
            "asked_at": None, "answer": "", "answered_at": None}
            for n in range(limit["questions"])],
        "reminder_settings": [{"user_id": OLD_ID, "show_names": False, "quiet_start": None,
                               "quiet_end": None, "repeat_delay_minutes": 30,
                               "refill_days": 7}],
        "checkin_reminders": [{"user_id": OLD_ID, "enabled": False, "local_time": "21:00:00"}],
        "therapist_notes": [{
            "id": 1 + n, "therapist_id": 98, "therapist_name": "Dr Lee", "client_id": OLD_ID,
            "text": "Talked about sleep", "created_at": _moment(n), "edited_at": None}
            for n in range(limit["therapist_notes"])],
        "access_log": [{
            "id": 1 + n, "client_id": OLD_ID, "viewer_id": 98, "viewer_name": "Dr Lee",
            "action": "view", "categories": ["sleep", "mood"], "page": "care.client",
            "detail": "", "at": _moment(n, 3)} for n in range(limit["access_log"])],
    }
    return {"format": "tend-export", "version": 1, "exported_at": "2026-04-01T10:00:00+00:00",
            "account": {"display_name": "Alice", "email": "alice@old.example.org",
                        "timezone": "Europe/London", "locale": "en",
                        "created_at": "2016-04-01T09:00:00+00:00"},
            "kinds": kinds}


def as_zip(document: dict) -> bytes:
    """As Tend packs it: indented JSON, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tend.json", json.dumps(document, ensure_ascii=False, indent=1))
    return buffer.getvalue()
