"""Demo accounts for trying Tend: a client, their therapist and a caregiver, and about 90
days of the client's record."""
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from models import (DoseStatus, Medication, MedicationKind, PlannedDose, Role, Severity,
                    SkipReason, User)
from tend.services import accounts, doses, journal, medications, schedule
from tend.services.medications import RegimenSpec
from tend.sharing import demo as sharing_demo


@dataclass(frozen=True)
class DemoPerson:
    email: str
    display_name: str
    role: Role


DEMO_PEOPLE = [
    DemoPerson("client@demo.tend.example", "Alex Rivera", Role.CLIENT),
    DemoPerson("therapist@demo.tend.example", "Dr Sam Lee", Role.THERAPIST),
    DemoPerson("caregiver@demo.tend.example", "Jo Rivera", Role.CAREGIVER),
]
DEMO_TIMEZONE = "Europe/London"


def database_is_empty(db: Session) -> bool:
    return db.scalar(select(func.count()).select_from(User)) == 0


def new_password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(3))


def create_demo_accounts(db: Session, now: datetime) -> dict[str, str]:
    """Create the demo cast (and their records); return e-mail -> password, shown once."""
    passwords = {}
    for person in DEMO_PEOPLE:
        password = new_password()
        user = accounts.find_user_by_email(db, person.email)
        if user is None:
            accounts.create_user(db, email=person.email, display_name=person.display_name,
                                 role=person.role, timezone=DEMO_TIMEZONE,
                                 password_hash=accounts.hash_password(password), now=now)
        else:
            accounts.set_password(db, user, password, now)
        passwords[person.email] = password
    client = accounts.find_user_by_email(db, DEMO_PEOPLE[0].email)
    if not db.scalar(select(func.count()).select_from(Medication)
                     .where(Medication.client_id == client.id)):
        create_demo_record(db, client, now)
    sharing_demo.link_demo_team(db, client, *(accounts.find_user_by_email(db, p.email)
                                              for p in DEMO_PEOPLE[1:]), now)
    return passwords


RECORD_DAYS = 90
SKIPS = [(SkipReason.FORGOT, ""), (SkipReason.SIDE_EFFECTS, "Felt sick this morning"),
         (SkipReason.CHOSE_NOT_TO, ""), (SkipReason.PHARMACY, "Pharmacy closed"),
         (SkipReason.AWAY, "Staying over at a friend's")]
# (days before today it started, days it lasted or None if ongoing, symptom, severity,
#  suspected medication, note)
SIDE_EFFECTS = [
    (86, 10, "nausea", Severity.MILD, "Sertraline", "Mostly in the mornings."),
    (80, 20, "drowsiness", Severity.MILD, "Quetiapine", "Groggy until about 10."),
    (44, 3, "headache", Severity.MILD, "Sertraline", ""),
    (43, 14, "trouble sleeping", Severity.MODERATE, "Sertraline",
     "Waking at 4am since the dose went up."),
    (20, None, "dry mouth", Severity.MILD, "Quetiapine", ""),
]


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return schedule.local_moment(day, time(hour, minute), zone)


def create_demo_record(db: Session, client: User, now: datetime) -> None:
    """About 90 days for the demo client, made through the services at the moments they
    would have happened: two daily medications (one with a dose change 45 days ago), one as
    needed, mostly-taken doses with a few late, skipped and missed ones, some side effects,
    and check-ins on most days."""
    rng = random.Random(2026)
    zone = ZoneInfo(client.timezone)
    today = schedule.local_today(client, now)
    first = today - timedelta(days=RECORD_DAYS)
    start = schedule.start_of_local_day(first, client.timezone)
    meds = {}
    for name, strength, times, as_needed, purpose, started in [
            ("Sertraline", 50, ["08:00"], False, "Low mood and anxiety", first),
            ("Quetiapine", 25, ["21:30"], False, "Sleep", first + timedelta(days=6)),
            ("Propranolol", 10, [], True, "Racing heart when anxious", first)]:
        began = max(start, schedule.start_of_local_day(started, client.timezone))
        meds[name], _ = medications.create_medication(
            db, client, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
            spec=RegimenSpec(strength=Decimal(strength), strength_unit="mg", times=times,
                             as_needed=as_needed, max_per_day=3 if as_needed else None),
            started_on=started, now=began, purpose=purpose, prescriber="Dr Sam Lee",
            units_on_hand=Decimal(28), tracking_from=began)
    changed_on = today - timedelta(days=45)
    medications.change_regimen(
        db, client, meds["Sertraline"],
        RegimenSpec(strength=Decimal(100), strength_unit="mg", times=["08:00"]),
        schedule.start_of_local_day(changed_on, client.timezone),
        _at(changed_on, 7, 30, zone), note="Agreed with Dr Lee at the review")
    schedule.plan_doses(db, client, now)
    _log_demo_doses(db, client, now, rng)
    _log_as_needed(db, client, meds["Propranolol"], first, today, now, zone, rng)
    for ago, lasted, symptom, severity, med_name, note in SIDE_EFFECTS:
        began = today - timedelta(days=ago)
        ended = began + timedelta(days=lasted) if lasted else None
        journal.record_side_effect(db, client, journal.SideEffectInput(
            symptom=symptom, severity=severity, started_on=began, ended_on=ended, note=note,
            medication_ids=[meds[med_name].id]), now=min(_at(ended or began, 20, 0, zone), now))
    _demo_checkins(db, client, first, today, changed_on, now, zone, rng)
    db.flush()


def _log_demo_doses(db: Session, client: User, now: datetime, rng: random.Random) -> None:
    """Mostly on time; now and then late, skipped with a reason, or not logged at all."""
    planned = db.scalars(select(PlannedDose).where(PlannedDose.client_id == client.id,
                                                   PlannedDose.due_at < now - timedelta(hours=1))
                         .options(joinedload(PlannedDose.event))
                         .order_by(PlannedDose.due_at)).unique().all()
    for dose in planned:
        med = dose.medication
        if med.units_on_hand is not None and med.units_on_hand < 3:
            medications.refill(med, Decimal(28))
        roll = rng.random()
        weekend_evening = dose.local_time.hour >= 20 and dose.local_date.weekday() >= 4
        if roll < (0.10 if weekend_evening else 0.04):
            continue  # not logged: shows as missed
        if roll < 0.08:
            reason, note = rng.choice(SKIPS)
            moment = dose.due_at + timedelta(hours=2)
            doses.record(db, client, medication_id=med.id, planned_dose_id=dose.id,
                         status=DoseStatus.SKIPPED, skip_reason=reason, note=note,
                         now=min(moment, now))
            continue
        late = roll < 0.14
        taken = dose.due_at + timedelta(minutes=rng.randint(90, 240) if late
                                        else rng.randint(-10, 40))
        taken = min(taken, now)
        doses.record(db, client, medication_id=med.id, planned_dose_id=dose.id,
                     status=DoseStatus.TAKEN, taken_at=taken, now=taken)


def _log_as_needed(db: Session, client: User, med: Medication, first: date, today: date,
                   now: datetime, zone: ZoneInfo, rng: random.Random) -> None:
    day = first
    while day < today:
        if rng.random() < 0.15:
            for n in range(rng.choice([1, 1, 1, 2])):
                taken = _at(day, rng.randint(9, 17), rng.choice([0, 15, 30, 45]), zone)
                doses.record(db, client, medication_id=med.id, status=DoseStatus.TAKEN,
                             taken_at=taken, now=taken,
                             note=rng.choice(["Before a meeting", "Shaky on the bus", ""]))
        day += timedelta(days=1)


def _demo_checkins(db: Session, client: User, first: date, today: date, changed_on: date,
                   now: datetime, zone: ZoneInfo, rng: random.Random) -> None:
    """Check-ins on most days, with a few gaps; mood lifts slowly, sleep dips for a couple
    of weeks after the dose change. Today's is left for the visitor to try."""
    day = first
    while day < today:
        progress = (day - first).days / RECORD_DAYS
        after_change = 0 <= (day - changed_on).days < 14
        if rng.random() < 0.85:
            def score(base):
                return max(1, min(5, round(base + rng.uniform(-0.8, 0.8))))
            sleep = Decimal(str(round(rng.uniform(5, 6.5) if after_change
                                      else rng.uniform(6.5, 8.5), 1)))
            values = {"sleep_hours": sleep,
                      "sleep_quality": score(2 if after_change else 3.5),
                      "energy": score(2.2 + 1.5 * progress), "mood": score(2 + 2 * progress),
                      "work": score(2.5 + 1.2 * progress), "relationships": score(3.2),
                      "self_care": score(2.5 + 1.5 * progress),
                      "note": rng.choice(["", "", "", "Good walk with Jo.",
                                          "Hard day at work.", "Slept badly."])}
            journal.save_checkin(db, client, day, values, min(_at(day, 21, 0, zone), now))
        day += timedelta(days=1)
