"""Planned doses follow the client's own time zone: day boundaries, DST, travel."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from models import Medication, MedicationStatus, PlannedDose, User, db
from tend.services import doses, medications, schedule
from tests.conftest import examples
from tests.records import add_medication
from tests.test_insights import statements

UTC = timezone.utc


def planned(person, day=None):
    query = select(PlannedDose).where(PlannedDose.client_id == person.id)
    if day:
        query = query.where(PlannedDose.local_date == day)
    return db.session.scalars(query.order_by(PlannedDose.due_at)).all()


def test_a_dose_at_2330_local_belongs_to_that_local_day(app, alice):
    user = db.session.get(User, alice.id)
    user.timezone = "America/New_York"
    db.session.commit()
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    add_medication(alice, now, times=["23:30"], tracking_from=now - timedelta(days=1))
    rows = doses.doses_on(db.session, user, date(2026, 6, 1), now)
    assert [(r.planned.local_date, r.planned.due_at) for r in rows] == [
        (date(2026, 6, 1), datetime(2026, 6, 2, 3, 30, tzinfo=UTC))]


def test_a_dst_gap_still_gives_one_dose_at_the_next_valid_moment(app, alice):
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # London springs forward on 29 March
    add_medication(alice, now, times=["01:30"])
    (dose,) = planned(alice, date(2026, 3, 29))
    assert dose.due_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST


def test_a_repeated_hour_gives_one_dose_at_its_first_occurrence(app, alice):
    now = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # London falls back on 25 October
    add_medication(alice, now, times=["01:30"])
    (dose,) = planned(alice, date(2026, 10, 25))
    assert dose.due_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST, the first


def test_planning_again_changes_nothing(app, alice):
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    add_medication(alice, now, times=["08:00", "20:00"])
    before = [(d.id, d.due_at) for d in planned(alice)]
    user = db.session.get(User, alice.id)
    for regimen_owner in [user, user]:
        schedule.plan_doses(db.session, regimen_owner, now)
    assert [(d.id, d.due_at) for d in planned(alice)] == before


def test_planning_what_is_planned_asks_the_database_once_and_writes_nothing(app, alice):
    """A visit of a page that plans first, with every dose planned and a version that ended
    (the dose before a change; before: two reads, one for the stops whose day came and one
    loading every version left to plan, the ended one each time)."""
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    med = add_medication(alice, now, times=["08:00", "20:00"], tracking_from=now)
    user = db.session.get(User, alice.id)
    medications.change_regimen(
        db.session, user, medications.medication_of(db.session, user, med.id),
        medications.RegimenSpec(amount=Decimal(2), strength=Decimal(50), strength_unit="mg",
                                times=["08:00", "20:00"]), now + timedelta(days=1), now)
    later = now + timedelta(days=9)
    schedule.plan_doses(db.session, user, later)
    with statements() as sent:
        assert schedule.plan_doses(db.session, user, later + timedelta(hours=3)) is False
    assert len(sent) == 1 and sent[0].split()[0] == "SELECT"


def test_a_stop_dated_ahead_comes_on_its_day_when_nothing_else_is_left_to_plan(app, alice):
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    med = add_medication(alice, now, times=["08:00"])
    user = db.session.get(User, alice.id)
    medications.stop(db.session, user, medications.medication_of(db.session, user, med.id),
                     date(2026, 5, 2), "", now)
    assert schedule.plan_doses(db.session, user, now + timedelta(hours=3)) is False
    assert schedule.plan_doses(db.session, user, datetime(2026, 5, 3, 9, 0, tzinfo=UTC))
    assert db.session.get(Medication, med.id).status is MedicationStatus.STOPPED


def test_weekdays_limit_the_plan(app, alice):
    now = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)  # a Monday
    add_medication(alice, now, times=["09:00"], weekdays=[0, 2])
    user = db.session.get(User, alice.id)
    schedule.plan_doses(db.session, user, now, through=date(2026, 5, 10))
    assert [d.local_date.weekday() for d in planned(alice)] == [0, 2]


def test_travel_moves_future_doses_to_the_new_local_time(app, alice):
    now = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)  # 11:00 in London
    add_medication(alice, now, times=["08:00", "20:00"])
    user = db.session.get(User, alice.id)
    user.timezone = "Asia/Tokyo"
    schedule.replan_for_new_timezone(db.session, user, now)
    db.session.commit()
    future = [d for d in planned(alice) if d.due_at > now]
    assert future and all(d.timezone == "Asia/Tokyo" for d in future)
    for dose in future:
        local = dose.due_at.astimezone(ZoneInfo("Asia/Tokyo"))
        assert (local.time(), local.date()) == (dose.local_time, dose.local_date)
    past = [d for d in planned(alice) if d.due_at <= now]
    assert [d.due_at for d in past] == [datetime(2026, 5, 1, 7, 0, tzinfo=UTC)]


ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
         "America/Sao_Paulo", "Pacific/Chatham", "Europe/Berlin", "UTC"]


@settings(max_examples=examples(15, 200), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES),
       start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 1)),
       times=st.lists(st.times().map(lambda t: time(t.hour, t.minute)), min_size=1,
                      max_size=4, unique=True))
def test_every_scheduled_local_time_gives_exactly_one_dose(app, alice, zone, start, times):
    db.session.execute(PlannedDose.__table__.delete())
    user = db.session.get(User, alice.id)
    user.timezone = zone
    now = datetime.combine(start, time(12), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    from models import Medication
    db.session.execute(Medication.__table__.delete())
    db.session.commit()
    labels = sorted({t.strftime("%H:%M") for t in times})
    add_medication(alice, now, times=labels, tracking_from=schedule.start_of_local_day(start, zone))
    through = start + timedelta(days=7)
    schedule.plan_doses(db.session, user, now, through=through)
    rows = planned(alice)
    assert len(rows) == 8 * len(labels)
    assert len({(r.local_date, r.local_time) for r in rows}) == len(rows)
    assert len({r.due_at for r in rows}) == len(rows), "two doses at one moment"
    for row in rows:
        local = row.due_at.astimezone(ZoneInfo(zone))
        # A time in a DST gap moves forward by the gap; otherwise it is exact.
        assert local.date() == row.local_date or local.time() < row.local_time
        assert timedelta(0) <= (datetime.combine(local.date(), local.time())
                                - datetime.combine(row.local_date, row.local_time)) <= timedelta(hours=1)
