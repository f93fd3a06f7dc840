"""The SQL form of the dose-state rule (tend/services/dose_counts.py) says exactly what
``doses.state_of`` and ``doses.taken_late`` say, for random doses and moments, with the
boundaries (due now, an hour after, six hours after, taken exactly an hour late) hit to the
microsecond; and the Insights counts made with them (``insights.dose_tallies``) add up
what those functions say. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL."""
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from models import DoseEvent, DoseStatus, Medication, PlannedDose, Regimen, db
from tend.services import doses, insights
from tend.services.dose_counts import STATE, TAKEN_LATE, state_moments
from tests.conftest import examples
from tests.records import add_medication

MICROSECOND = timedelta(microseconds=1)
BOUNDARIES = [timedelta(0), doses.ON_TIME, doses.MISSED_AFTER]
# Offsets that land on a boundary, a microsecond either side of it, or anywhere near it.
NEAR = st.one_of(
    st.builds(lambda edge, sign, nudge: sign * edge + nudge * MICROSECOND,
              st.sampled_from(BOUNDARIES), st.sampled_from([1, -1]), st.integers(-1, 1)),
    st.integers(-2 * 10**10, 2 * 10**10).map(lambda us: us * MICROSECOND))
DOSE = st.tuples(NEAR,  # due time, from now
                 st.sampled_from([None, DoseStatus.TAKEN, DoseStatus.SKIPPED]),
                 NEAR)  # taken, from the due time


@settings(max_examples=examples(60, 600), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(now=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(timezone.utc)),
       planned=st.lists(DOSE, min_size=1, max_size=12))
def test_the_sql_form_of_the_dose_state_rule_agrees_with_doses_state_of(app, alice, now,
                                                                          planned):
    med = _medication(alice)
    db.session.execute(delete(DoseEvent))
    db.session.execute(delete(PlannedDose))
    regimen = db.session.scalar(select(Regimen).where(Regimen.medication_id == med.id))
    for number, (due_from_now, status, taken_from_due) in enumerate(planned):
        due_at = now + due_from_now
        dose = PlannedDose(client_id=alice.id, medication_id=med.id, regimen_id=regimen.id,
                           local_date=date(2026, 1, 1) + timedelta(days=number),
                           local_time=time(8), timezone="Europe/London", due_at=due_at)
        if status is not None:
            dose.event = DoseEvent(client_id=alice.id, medication_id=med.id, status=status,
                                   occurred_at=due_at + taken_from_due, timezone="Europe/London",
                                   logged_at=now)
        db.session.add(dose)
    db.session.commit()
    db.session.expire_all()

    in_sql = {row.id: (row.state, row.late) for row in db.session.execute(
        select(PlannedDose.id, STATE.label("state"), TAKEN_LATE.label("late"))
        .outerjoin(DoseEvent, DoseEvent.planned_dose_id == PlannedDose.id),
        state_moments(now))}
    in_python = {dose.id: (doses.state_of(dose, dose.event, now),
                           dose.event is not None and doses.taken_late(dose, dose.event))
                 for dose in db.session.scalars(select(PlannedDose)
                                                .options(selectinload(PlannedDose.event)))}
    assert in_sql == in_python

    # The Insights counts (one statement built on these expressions) add up the same doses:
    # per medication by state and lateness, per day those whose time has come and taken.
    period = insights.Period(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=len(planned)))
    meds = insights.medications_by_id(db.session, alice)
    tallies, by_day = insights.dose_tallies(db.session, alice, period, now, meds)
    expected = insights.Adherence(med.id, med.name)
    expected_days = {}
    for dose in db.session.scalars(select(PlannedDose).options(selectinload(PlannedDose.event))):
        state, late = in_python[dose.id]
        expected.add(state, late)
        if state != doses.State.UPCOMING:
            day = expected_days.setdefault(dose.local_date, insights.DayDoses(0, 0))
            day.due += 1
            day.taken += state == doses.State.TAKEN
    assert tallies == ([expected] if expected.due else [])
    assert by_day == expected_days


def _medication(alice):
    """The one medication the doses belong to (made by the first example)."""
    med = db.session.scalar(select(Medication).where(Medication.client_id == alice.id))
    return med or add_medication(alice, datetime(2025, 1, 1, tzinfo=timezone.utc))
