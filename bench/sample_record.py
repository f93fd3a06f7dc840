"""A client's record of any length, made quickly: the medications and their changes go through
the real services (so the planner plans the doses), the many rows (dose events, check-ins, side
effects) go in as bulk inserts. Used by bench_pages.py and by the query-count tests.

A year gives 4 scheduled medications and one taken as needed, about 2,500 logged doses, about
350 check-ins (a few days left out, as people do) and 60 side effects. The as-needed one was
taken twice in the last hours: Today asks "did it help?" about the first."""
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from models import (CheckIn, DoseEvent, DoseStatus, MedicationKind, PlannedDose, Severity,
                    SideEffect, SkipReason, User)
from tend.services import medications, schedule

SCHEDULES = [  # name, strength, times, weekdays
    ("Sertraline", 50, ["08:00", "20:00"], []),
    ("Lithium", 400, ["08:00", "14:00", "20:00"], []),
    ("Melatonin", 2, ["22:30"], []),
    ("Vitamin D", 25, ["07:30", "19:00"], [0, 1, 2, 3, 4]),
]
SYMPTOMS = ["nausea", "headache", "dizziness", "drowsiness", "dry mouth", "tremor"]
SEVERITIES = [Severity.MILD] * 6 + [Severity.MODERATE] * 3 + [Severity.SEVERE]


@dataclass
class Filled:
    planned: int
    events: int
    checkins: int
    side_effects: int


def _spec(strength, times, weekdays):
    return medications.RegimenSpec(amount=Decimal(1), strength=Decimal(strength),
                                   strength_unit="mg", times=times, weekdays=weekdays)


def _add_medications(db, client: User, now: datetime, days: int) -> None:
    """Four medications from ``days`` ago, one dose change half-way, one pause and resume."""
    first = schedule.local_today(client, now) - timedelta(days=days)
    start = schedule.start_of_local_day(first, client.timezone)
    meds = []
    for name, strength, times, weekdays in SCHEDULES:
        med, _ = medications.create_medication(
            db, client, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
            spec=_spec(strength, times, weekdays), started_on=first, now=now,
            tracking_from=start)
        meds.append(med)
    half_way = start + timedelta(days=days // 2, hours=12)
    medications.change_regimen(db, client, meds[0], _spec(100, ["08:00", "20:00"], []),
                               half_way, now)
    paused = start + timedelta(days=days * 2 // 3, hours=12)
    medications.pause(db, client, meds[2], paused)
    medications.resume(db, client, meds[2], paused + timedelta(days=max(days // 30, 1)))
    schedule.plan_doses(db, client, now)


def _add_as_needed(db, client: User, now: datetime, days: int) -> list[dict]:
    """An as-needed medication from ``days`` ago that asks "did it help?" half an hour after
    a dose, and its two doses of the last hours (the first one's question is due)."""
    first = schedule.local_today(client, now) - timedelta(days=days)
    med, _ = medications.create_medication(
        db, client, name="Ibuprofen", form="tablet", kind=MedicationKind.OVER_THE_COUNTER,
        spec=medications.RegimenSpec(amount=Decimal(1), strength=Decimal(200),
                                     strength_unit="mg", as_needed=True, max_per_day=3,
                                     reason="headache", follow_up_minutes=30),
        started_on=first, now=now, tracking_from=schedule.start_of_local_day(
            first, client.timezone))
    return [{"client_id": client.id, "medication_id": med.id, "planned_dose_id": None,
             "status": DoseStatus.TAKEN, "occurred_at": now - ago, "amount": Decimal(1),
             "timezone": client.timezone, "logged_at": now, "note": "", "skip_reason": None,
             "follow_up_at": now - ago + timedelta(minutes=30)}
            for ago in (timedelta(hours=3), timedelta(minutes=20))]


def _dose_events(db, client: User, now: datetime, rng: random.Random) -> list[dict]:
    rows = []
    planned = db.execute(select(PlannedDose.id, PlannedDose.medication_id, PlannedDose.due_at)
                         .where(PlannedDose.client_id == client.id,
                                PlannedDose.due_at < now - timedelta(hours=1))).all()
    for planned_id, medication_id, due_at in planned:
        roll = rng.random()
        if roll < 0.06:
            continue  # not logged: shows as missed
        base = {"client_id": client.id, "medication_id": medication_id,
                "planned_dose_id": planned_id, "logged_at": now, "note": "",
                "timezone": client.timezone,
                "skip_reason": None, "amount": None}
        if roll < 0.09:
            rows.append({**base, "status": DoseStatus.SKIPPED, "occurred_at": due_at,
                         "skip_reason": rng.choice(list(SkipReason))})
        else:
            delay = timedelta(hours=2) if roll < 0.14 else timedelta(minutes=rng.randint(0, 40))
            rows.append({**base, "status": DoseStatus.TAKEN, "occurred_at": due_at + delay,
                         "amount": Decimal(1)})
    return rows


def _checkins(client: User, now: datetime, days: int, rng: random.Random) -> list[dict]:
    today = schedule.local_today(client, now)
    rows = []
    for n in range(days):
        if rng.random() < 0.05:
            continue  # a day without a check-in
        scale = lambda: rng.randint(2, 5)  # noqa: E731
        rows.append({"client_id": client.id, "local_date": today - timedelta(days=n),
                     "sleep_hours": Decimal(rng.randint(10, 18)) / 2,
                     "sleep_quality": scale(), "energy": scale(), "mood": scale(),
                     "work": scale(), "relationships": scale(), "self_care": scale(),
                     "note": "", "created_at": now, "updated_at": now})
    return rows


def _side_effects(client: User, now: datetime, days: int, rng: random.Random) -> list[dict]:
    today = schedule.local_today(client, now)
    rows = []
    count = max(days * 60 // 365, 1)
    for n in range(count):  # spread over the period, a little irregularly
        started = today - timedelta(days=int(days * (n + rng.random()) / count))
        ended = min(started + timedelta(days=rng.randint(0, 4)), today)
        rows.append({"client_id": client.id, "symptom": rng.choice(SYMPTOMS),
                     "severity": rng.choice(SEVERITIES), "started_on": started,
                     "ended_on": ended, "note": "", "created_at": now})
    return rows


def fill_record(db, client: User, now: datetime, days: int, seed: int = 7) -> Filled:
    """Give ``client`` ``days`` days of history up to ``now``; commits."""
    rng = random.Random(seed)
    _add_medications(db, client, now, days)
    events = _dose_events(db, client, now, rng) + _add_as_needed(db, client, now, days)
    checkins = _checkins(client, now, days, rng)
    side_effects = _side_effects(client, now, days, rng)
    for model, rows in ((DoseEvent, events), (CheckIn, checkins), (SideEffect, side_effects)):
        for start in range(0, len(rows), 500):
            db.execute(insert(model), rows[start:start + 500])
    db.commit()
    planned = db.scalar(select(func.count()).select_from(PlannedDose)
                        .where(PlannedDose.client_id == client.id))
    return Filled(planned, len(events), len(checkins), len(side_effects))
