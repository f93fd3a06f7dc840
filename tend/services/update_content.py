"""The figures of a prescriber update, gathered once when a version is saved.

``gather`` reads only what the therapist's ``Access`` covers (through ``record`` and
``update_record``), for the period and for the previous period of the same length, and
returns plain JSON-ready data: the saved version keeps it, and the page, the client's approval
page and the PDF all show this one copy. Dates are ISO strings under keys ending in ``_on``;
``readable`` turns them back into dates for showing."""
from datetime import date, datetime, timedelta

from models import Category, db
from models.journal import CHECKIN_CATEGORIES, CHECKIN_FIELD
from tend.access import Access, local_today
from tend.services import update_record
from tend.services import shared_record as record
from tend.services import insights, red_flags
from tend.services import observations as observation_rules

SEVERITIES = ("mild", "moderate", "severe")
SKIP_REASONS = ("forgot", "chose_not_to", "side_effects", "ran_out", "other")


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same length just before."""
    days = (last - first).days + 1
    return first - timedelta(days=days), first - timedelta(days=1)


def _pair(now, before) -> dict:
    return {"now": now, "before": before}


def _adherence(access: Access, first, last, before, now) -> list[dict]:
    earlier = {line.name: line for line in
               record.adherence(db.session, access, *before, now)}
    lines = []
    for line in record.adherence(db.session, access, first, last, now):
        was = earlier.get(line.name)
        lines.append({"name": line.name, "taken": line.taken, "counted": line.counted,
                      "late": line.late, "skipped": line.skipped, "missed": line.missed,
                      "percent": _percent(line.taken, line.counted),
                      "before_percent": _percent(was.taken, was.counted) if was else None,
                      "before_taken": was.taken if was else None,
                      "before_counted": was.counted if was else None})
    return lines


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _as_needed(access: Access, first, last, before, side_effects) -> list[dict]:
    earlier = {line.name: line for line in update_record.as_needed_use(db.session, access,
                                                                       *before)}
    lines = []
    for line in update_record.as_needed_use(db.session, access, first, last):
        lines.append({
            "name": line.name, "limit": line.limit, "taken": line.taken,
            "before": earlier[line.name].taken if line.name in earlier else 0,
            "days_used": line.days_used, "days_over_limit": line.days_over_limit,
            "most_in_a_day": line.most_in_a_day,
            "side_effects": [{"symptom": item.symptom, "severity": item.severity.value}
                             for item in side_effects if line.name in item.medications]})
    return lines


def _severity_counts(items) -> dict:
    return {severity: sum(1 for item in items if item.severity.value == severity)
            for severity in SEVERITIES}


def _side_effects(access: Access, first, last, before) -> dict | None:
    if not access.has(Category.SIDE_EFFECTS):
        return None
    items = record.side_effects(db.session, access, first, last)
    now_counts = _severity_counts(items)
    before_counts = _severity_counts(record.side_effects(db.session, access, *before))
    return {"counts": [{"severity": s, **_pair(now_counts[s], before_counts[s])}
                       for s in SEVERITIES],
            "items": [{"symptom": item.symptom, "severity": item.severity.value,
                       "started_on": item.started_on.isoformat(),
                       "ended_on": item.ended_on.isoformat() if item.ended_on else None,
                       "medications": item.medications, "note": item.note,
                       "red_flag": red_flags.is_red_flag(item.symptom)} for item in items]}


def _skip_reasons(access: Access, first, last, before) -> list[dict] | None:
    now_counts = update_record.skip_reasons(db.session, access, first, last)
    if now_counts is None:
        return None
    before_counts = update_record.skip_reasons(db.session, access, *before)
    return [{"reason": reason, **_pair(now_counts[reason], before_counts[reason])}
            for reason in SKIP_REASONS if now_counts[reason] or before_counts[reason]]


def _checkins(access: Access, first, last, before) -> list[dict]:
    sections = []
    for category in CHECKIN_CATEGORIES:
        values = record.checkins(db.session, access, category, first, last)
        if values is None:
            continue
        earlier = record.checkins(db.session, access, category, *before)
        sections.append({"category": category.value, "days": len(values.days),
                         "before_days": len(earlier.days),
                         "fields": [{"name": name, "scale": CHECKIN_FIELD[name].kind.value,
                                     **_pair(_rounded(values.average(name)),
                                             _rounded(earlier.average(name)))}
                                    for name in values.fields]})
    return sections


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _changes(access: Access, first, last, now) -> tuple[list[dict], list[dict], list[dict]]:
    """The medications as they stood, the changes in the period, and those scheduled after."""
    client = access.client
    meds = record.medications(db.session, access, now, min(last, local_today(client, now)))
    def version(r):
        return {"medication": r.medication.name, "change": r.change.value,
                "from_on": local_today(client, r.valid_from).isoformat(),
                "dose": insights.dose_text(r), "times": list(r.times or []),
                "as_needed": r.as_needed, "note": r.note or ""}

    changes = [version(r) for r in
               reversed(record.medication_changes(db.session, access, first, last))]
    scheduled = [version(r) for r in record.scheduled_after(meds, client, last, now)]
    current = [{"name": d.medication.name, "dose": insights.dose_text(d.regimen),
                "times": list(d.regimen.times or []), "as_needed": d.regimen.as_needed,
                "max_per_day": d.regimen.max_per_day, "status": d.medication.status.value}
               for d in meds if d.regimen]
    return current, changes, scheduled


def _experiments(access: Access) -> list[dict]:
    work = update_record.decision_work(db.session, access)
    answered = set(id(c) for c in work.answered)
    return [{"title": e.title, "changed_on": e.changed_on.isoformat(), "hopes": e.hopes,
             "worries": e.worries,
             "checkpoints": [{"due_on": c.due_on.isoformat(), "verdict": c.verdict.value
                              if c.verdict else None, "next_step": c.next_step}
                             for c in e.checkpoints if id(c) in answered]}
            for e in record.questions(db.session, access).experiments]


def gather(access: Access, first: date, last: date, now: datetime) -> dict:
    before = previous_period(first, last)
    has = access.has
    side_effects = record.side_effects(db.session, access, first, last)
    medications, changes, scheduled = _changes(access, first, last, now) \
        if has(Category.MEDICATIONS) else ([], [], [])
    questions = record.questions(db.session, access)
    return {
        "client": access.client.display_name,
        "first_on": first.isoformat(), "last_on": last.isoformat(),
        "before_first_on": before[0].isoformat(), "before_last_on": before[1].isoformat(),
        "shared": [c.value for c in access.data_categories],
        "medications": medications if has(Category.MEDICATIONS) else None,
        "adherence": _adherence(access, first, last, before, now)
        if has(Category.MEDICATIONS) else None,
        "as_needed": _as_needed(access, first, last, before, side_effects)
        if has(Category.MEDICATIONS) else None,
        "skip_reasons": _skip_reasons(access, first, last, before),
        "changes": changes, "scheduled": scheduled,
        "side_effects": _side_effects(access, first, last, before),
        "checkins": _checkins(access, first, last, before),
        "notes": [{"day_on": day.isoformat(), "text": text} for day, text in
                  record.checkin_notes(db.session, access, first, last, limit=8)]
        if has(Category.NOTES) else None,
        "experiments": _experiments(access) if has(Category.QUESTIONS) else None,
        "questions": [q.text for q in questions.questions] if has(Category.QUESTIONS) else None,
        "observations": [{"author": o.author_name, "observed_on": o.observed_on.isoformat(),
                          "text": o.text} for o in
                         observation_rules.approved_within(db.session, access.client,
                                                           first, last)],
    }


def readable(content):
    """The saved content with its ``_on`` values as dates again."""
    if isinstance(content, dict):
        return {key: (date.fromisoformat(value) if key.endswith("_on") and value
                      else readable(value)) for key, value in content.items()}
    if isinstance(content, list):
        return [readable(item) for item in content]
    return content


def shared_categories_still_granted(access: Access, content: dict) -> bool:
    """Was everything in the saved content still shared with this therapist? (An update saved
    before the client stopped sharing a category is not handed on.)"""
    return all(access.has(category) for category in content.get("shared", []))
