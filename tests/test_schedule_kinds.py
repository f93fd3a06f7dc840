"""Schedule kinds (issue 17): every N hours, every N days, cycles, amounts by weekday, a start
ahead and a last day. Expansion gives exactly the planned local times on every day, DST days
(a 30-minute shift on Lord Howe Island too) and leap days included: none doubled, none
skipped."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from models import DoseEvent, MedicationKind, PlannedDose, Regimen, RegimenChange, User, db
from tend.services import doses, medications, schedule
from tests.conftest import examples

UTC = timezone.utc
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Europe/London", "UTC")
# Days around every DST change of those zones in 2024 (a leap year) and 2026, and leap days.
SPECIAL_DAYS = [date(2024, 2, 29), date(2024, 3, 10), date(2024, 3, 31), date(2024, 4, 7),
                date(2024, 10, 6), date(2024, 10, 27), date(2024, 11, 3), date(2026, 3, 8),
                date(2026, 3, 29), date(2026, 4, 5), date(2026, 10, 4), date(2026, 10, 25),
                date(2026, 11, 1), date(2028, 2, 29)]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def regimens(draw):
    """A scheduled regimen of any kind, with times anywhere in the day (the small hours
    where clocks change included, on the quarter hour as Lord Howe's half-hour shift needs)."""
    kind = draw(st.sampled_from(("fixed", "every_hours", "every_days", "cycle")))
    quarter = st.integers(0, 95).map(lambda q: _clock(q * 15))
    times = sorted(draw(st.sets(quarter, min_size=1, max_size=4)))
    spec = medications.RegimenSpec(amount=Decimal(1), schedule_kind=kind, times=times,
                                   weekdays=draw(st.sets(st.integers(0, 6), min_size=1)))
    if kind == "every_hours":
        first = draw(st.integers(0, 95)) * 15
        spec.times = [_clock(first)]
        spec.interval_hours = draw(st.integers(1, 12))
        spec.last_time = _clock(draw(st.integers(first // 15, 95)) * 15)
    elif kind == "every_days":
        spec.interval_days = draw(st.integers(2, 10))
    elif kind == "cycle":
        spec.cycle_on_days, spec.cycle_off_days = draw(st.integers(1, 30)), draw(
            st.integers(1, 10))
    spec.anchor_on = draw(st.sampled_from(SPECIAL_DAYS)) - timedelta(days=draw(
        st.integers(0, 40)))
    spec.weekday_amounts = {draw(st.integers(0, 6)): Decimal("0.5")}
    regimen = Regimen(change=RegimenChange.START, medication_id=1, id=1,
                      valid_from=datetime(2020, 1, 1, tzinfo=UTC))
    spec.apply_to(regimen)
    return regimen, spec


def expected_times(spec: medications.RegimenSpec, day: date) -> list[time]:
    """What the person planned for ``day``, worked out on its own from what they entered."""
    if spec.schedule_kind == "every_hours":
        first = time.fromisoformat(spec.times[0])
        last = time.fromisoformat(spec.last_time)
        start = first.hour * 60 + first.minute
        times = [_clock(m) for m in range(start, last.hour * 60 + last.minute + 1,
                                          spec.interval_hours * 60)]
    else:
        times = spec.times
    since = (day - spec.anchor_on).days
    if spec.schedule_kind == "every_days":
        dose_day = since >= 0 and since % spec.interval_days == 0
    elif spec.schedule_kind == "cycle":
        dose_day = since >= 0 and since % (spec.cycle_on_days + spec.cycle_off_days) \
            < spec.cycle_on_days
    else:
        dose_day = day.weekday() in spec.weekdays
    return sorted(time.fromisoformat(t) for t in times) if dose_day else []


@settings(max_examples=examples(60, 300), deadline=None)
@given(regimens(), st.sampled_from(ZONES), st.sampled_from(SPECIAL_DAYS),
       st.integers(-3, 3))
def test_every_kind_gives_exactly_the_planned_local_times_across_dst_and_leap_days(
        drawn, zone_name, special, shift):
    regimen, spec = drawn
    client = User(id=1, timezone=zone_name)
    first = special + timedelta(days=shift)
    last = first + timedelta(days=2)
    rows = schedule.doses_for_regimen(regimen, client, first, last)
    zone = ZoneInfo(zone_name)
    day = first
    while day <= last:
        planned = [row["local_time"] for row in rows if row["local_date"] == day]
        assert planned == expected_times(spec, day), (day, zone_name)
        day += timedelta(days=1)
    moments = [row["due_at"] for row in rows]
    assert moments == sorted(moments) and len(set(moments)) == len(moments)  # none doubled
    for row in rows:
        local = row["due_at"].astimezone(zone)
        wall = datetime.combine(row["local_date"], row["local_time"])
        # The time on the wall clock, or, in a gap the clocks jump over, just after it.
        assert local.date() == row["local_date"]
        assert timedelta(0) <= local.replace(tzinfo=None) - wall <= timedelta(hours=1)
        weekly = spec.schedule_kind in ("fixed", "every_hours")
        assert schedule.amount_on(regimen, row["local_date"]) == (
            Decimal("0.5") if weekly and row["local_date"].weekday() in spec.weekday_amounts
            else Decimal(1))


def test_every_eight_hours_keeps_its_wall_clock_times_on_berlins_short_and_long_days():
    spec = medications.RegimenSpec(schedule_kind="every_hours", times=["06:00"],
                                   interval_hours=8, last_time="22:00")
    regimen = Regimen(change=RegimenChange.START, medication_id=1, id=1,
                      valid_from=datetime(2020, 1, 1, tzinfo=UTC))
    spec.apply_to(regimen)
    assert regimen.times == ["06:00", "14:00", "22:00"]
    client = User(id=1, timezone="Europe/Berlin")
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        rows = schedule.doses_for_regimen(regimen, client, day, day)
        assert [r["due_at"].astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
                for r in rows] == ["06:00", "14:00", "22:00"]


def test_lord_howes_half_hour_gap_and_repeat_give_one_dose_each():
    regimen = Regimen(change=RegimenChange.START, medication_id=1, id=1,
                      valid_from=datetime(2020, 1, 1, tzinfo=UTC))
    medications.RegimenSpec(times=["01:45", "02:15"]).apply_to(regimen)
    client = User(id=1, timezone="Australia/Lord_Howe")
    # 5 April 2026: 02:00 goes back to 01:30, so 01:45 happens twice; 4 October 2026:
    # 02:00 jumps to 02:30, so 02:15 never happens.
    back = schedule.doses_for_regimen(regimen, client, date(2026, 4, 5), date(2026, 4, 5))
    assert [r["due_at"] for r in back] == [datetime(2026, 4, 4, 14, 45, tzinfo=UTC),
                                           datetime(2026, 4, 4, 15, 45, tzinfo=UTC)]
    forward = schedule.doses_for_regimen(regimen, client, date(2026, 10, 4), date(2026, 10, 4))
    assert [r["due_at"] for r in forward] == [datetime(2026, 10, 3, 15, 15, tzinfo=UTC),
                                              datetime(2026, 10, 3, 15, 45, tzinfo=UTC)]
    # the skipped 02:15 is taken at 02:45, the moment after the gap


def _create(person, now, spec, started_on, **kwargs):
    client = db.session.get(User, person.id)
    med, _ = medications.create_medication(
        db.session, client, name="Test", form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=spec, started_on=started_on, now=now, **kwargs)
    db.session.commit()
    return med


def _planned_days(person) -> list[date]:
    return sorted({d.local_date for d in db.session.scalars(
        select(PlannedDose).where(PlannedDose.client_id == person.id))})


def test_a_21_7_cycle_counts_from_its_start_day_across_a_leap_day(app, alice):
    now = datetime(2028, 2, 20, 7, 0, tzinfo=UTC)
    med = _create(alice, now, medications.RegimenSpec(
        schedule_kind="cycle", cycle_on_days=21, cycle_off_days=7, times=["09:00"]),
        started_on=date(2028, 2, 1))
    client = db.session.get(User, alice.id)
    schedule.plan_doses(db.session, client, now, through=date(2028, 4, 1))
    days = _planned_days(alice)
    # 1-21 February on, 22-28 February off, 29 February (leap day) begins the next cycle.
    assert date(2028, 2, 21) in days and date(2028, 2, 22) not in days
    assert date(2028, 2, 28) not in days and date(2028, 2, 29) in days
    assert date(2028, 3, 20) in days and date(2028, 3, 21) not in days
    assert med.regimens[0].anchor_on == date(2028, 2, 1)


def test_every_other_day_and_a_start_ahead_and_a_last_day(app, alice):
    now = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
    _create(alice, now, medications.RegimenSpec(schedule_kind="every_days", interval_days=2,
                                                times=["08:00"]),
            started_on=date(2026, 5, 3), ends_on=date(2026, 5, 9))
    client = db.session.get(User, alice.id)
    schedule.plan_doses(db.session, client, now, through=date(2026, 5, 20))
    assert _planned_days(alice) == [date(2026, 5, 3), date(2026, 5, 5), date(2026, 5, 7),
                                    date(2026, 5, 9)]


def test_a_weekday_amount_is_the_amount_logged_and_counted_from_the_supply(app, alice):
    now = datetime(2026, 5, 2, 7, 0, tzinfo=UTC)  # a Saturday
    med = _create(alice, now, medications.RegimenSpec(
        amount=Decimal(1), times=["08:00"], weekday_amounts={5: Decimal("0.5")}),
        started_on=date(2026, 5, 1), units_on_hand=Decimal(10))
    client = db.session.get(User, alice.id)
    (saturday,) = [d for d in db.session.scalars(select(PlannedDose))
                   if d.local_date == date(2026, 5, 2)]
    logged = doses.record(db.session, client, medication_id=med.id,
                          planned_dose_id=saturday.id, status=doses.DoseStatus.TAKEN,
                          now=now + timedelta(hours=1))
    db.session.commit()
    assert logged.event.amount == Decimal("0.5")
    assert med.units_on_hand == Decimal("9.5")
    # 6 days of 1 and one of 0.5 a week
    assert medications.daily_use(med.regimens[0]) == Decimal("6.5") / 7


def test_as_needed_sooner_than_the_least_interval_is_recorded_and_said(app, alice):
    now = datetime(2026, 5, 2, 7, 0, tzinfo=UTC)
    med = _create(alice, now, medications.RegimenSpec(
        as_needed=True, reason="when I can't sleep", min_interval_minutes=240,
        follow_up_minutes=60), started_on=date(2026, 5, 1))
    client = db.session.get(User, alice.id)
    first = doses.record(db.session, client, medication_id=med.id,
                         status=doses.DoseStatus.TAKEN, now=now)
    second = doses.record(db.session, client, medication_id=med.id,
                          status=doses.DoseStatus.TAKEN, now=now + timedelta(hours=3))
    db.session.commit()
    assert first.sooner_than_planned_after is None
    assert second.sooner_than_planned_after.id == first.event.id
    assert db.session.query(DoseEvent).count() == 2  # recorded all the same
    assert second.event.follow_up_at == now + timedelta(hours=4)
    assert [row.id for row in doses.follow_ups_due(db.session, client,
                                                   now + timedelta(minutes=61))] == [first.event.id]
