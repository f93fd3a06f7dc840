"""Properties of the reminder outbox over time zones, dates and schedules: exactly one
reminder per scheduled time through DST gaps and repeats, and after travel every reminder
follows the new zone's local times (or, for a dose the jump east skipped over, stays at the
home time, before the first one at the new times)."""
import itertools
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from models import PlannedDose, Reminder, ReminderKind, ReminderStatus, Role, User, db
from tend.reminders import planner
from tend.services import schedule
from tests.conftest import examples, make_person
from tests.reminder_helpers import add_medication, subscribe

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
         "America/Santiago", "Pacific/Chatham", "Asia/Kolkata", "America/St_Johns",
         "Europe/Berlin", "Pacific/Auckland"]
_people = itertools.count(1)


def transition_days(zone_name: str, year: int = 2026) -> list[date]:
    """Local days on which the zone's offset changes (the DST gap and the repeated hour)."""
    zone = ZoneInfo(zone_name)
    days = []
    for n in range(366):
        day = date(year, 1, 1) + timedelta(days=n)
        start = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
        end = datetime.combine(day, time(23, 59), tzinfo=zone).utcoffset()
        if start != end:
            days.append(day)
    return days or [date(year, 6, 1)]


times_of_day = st.lists(
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    min_size=1, max_size=4, unique=True)
zone_and_day = st.sampled_from(ZONES).flatmap(
    lambda zone: st.tuples(st.just(zone), st.sampled_from(transition_days(zone))))


class Device:
    def __init__(self, n: int):
        self.endpoint = f"https://push.example.net/p/{n}"
        self.p256dh, self.auth = "B" + "A" * 86, "A" * 22


def new_client(zone: str, now: datetime, times: list[str]):
    n = next(_people)
    person = make_person(f"p{n}@example.com", f"P{n}", Role.CLIENT, tz=zone)
    add_medication(person, now, times=times)
    subscribe(person, Device(n), now)
    return person


def pending_dose_reminders(person) -> list[tuple[Reminder, PlannedDose]]:
    db.session.expire_all()
    return db.session.execute(
        select(Reminder, PlannedDose).join(PlannedDose, Reminder.planned_dose_id == PlannedDose.id)
        .where(Reminder.user_id == person.id, Reminder.kind == ReminderKind.DOSE,
               Reminder.status == ReminderStatus.PENDING)).all()


def wall_time_matches(due_at: datetime, zone_name: str, local_date: date, at: time) -> bool:
    """The reminder rings at the scheduled wall time, or, when that time does not exist that
    day (a DST gap), at the moment the gap ends: never early, never an hour late."""
    zone = ZoneInfo(zone_name)
    wall = datetime.combine(local_date, at, tzinfo=zone)
    exists = wall.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) == \
        wall.replace(tzinfo=None)
    local = due_at.astimezone(zone)
    if exists:
        return (local.date(), local.time()) == (local_date, at)
    return local.replace(tzinfo=None) > wall.replace(tzinfo=None) - timedelta(minutes=1) and \
        local.replace(tzinfo=None) <= wall.replace(tzinfo=None) + timedelta(hours=1)


PROPERTY = settings(max_examples=examples(8, 100), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(zone_day=zone_and_day, times=times_of_day)
def test_one_reminder_per_scheduled_time_through_dst_changes(app, zone_day, times):
    zone, day = zone_day
    now = datetime.combine(day - timedelta(days=1), time(12), tzinfo=ZoneInfo(zone))
    now = now.astimezone(timezone.utc)
    person = new_client(zone, now, times)
    planner.plan_all(db.session, now, horizon=timedelta(hours=48))
    planner.plan_all(db.session, now, horizon=timedelta(hours=48))  # idempotent
    db.session.commit()

    on_day = [(r, d) for r, d in pending_dose_reminders(person) if d.local_date == day]
    scheduled = Counter(d.local_time.strftime("%H:%M") for _, d in on_day)
    assert scheduled == Counter({t: 1 for t in times})
    for reminder, dose in on_day:
        assert reminder.due_at == dose.due_at
        assert wall_time_matches(reminder.due_at, zone, day, dose.local_time)


@PROPERTY
@given(home=st.sampled_from(ZONES), away=st.sampled_from(ZONES), times=times_of_day,
       day=st.dates(date(2026, 1, 1), date(2026, 12, 31)), hour=st.integers(0, 23))
def test_after_travel_reminders_ring_at_the_new_local_times(app, home, away, times, day, hour):
    now = datetime.combine(day, time(hour), tzinfo=ZoneInfo(home)).astimezone(timezone.utc)
    person = new_client(home, now, times)
    planner.plan_all(db.session, now)
    db.session.commit()

    planner.set_timezone(db.session, db.session.get(User, person.id), away, now)
    db.session.commit()

    pending = pending_dose_reminders(person)
    per_slot = Counter((d.local_date, d.local_time, d.timezone) for _, d in pending)
    assert all(n == 1 for n in per_slot.values())
    upcoming = {dose.id for reminder, dose in pending if reminder.due_at > now}
    assert upcoming == set(db.session.scalars(select(PlannedDose.id).where(
        PlannedDose.client_id == person.id, PlannedDose.due_at > now,
        PlannedDose.due_at <= now + planner.HORIZON)))  # every upcoming dose, none twice
    first_away = min((d.due_at for _, d in pending if d.timezone == away), default=None)
    for reminder, dose in pending:
        if reminder.due_at <= now:
            continue
        if dose.timezone == away:
            assert wall_time_matches(reminder.due_at, away, dose.local_date, dose.local_time)
        else:  # kept at the home time: its time here had passed, and it comes first
            assert schedule.local_moment(dose.local_date, dose.local_time,
                                         ZoneInfo(away)) <= now
            assert first_away is None or dose.due_at < first_away