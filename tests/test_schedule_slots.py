"""A slot (a medication's scheduled local time on a local day) is planned once, whichever
regimen version it falls under and whatever the sequence of pause, resume, change, stop and
undo: resuming never re-plans a slot that exists or was logged."""
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from models import DoseStatus, PlannedDose, User, db
from tend.services import doses, insights, medications
from tests.records import add_medication

UTC = timezone.utc
DAY = date(2026, 6, 1)  # London, summer time (UTC+1)


def at(hour, minute=0, day=DAY):
    """A London wall-clock moment on ``day`` (BST) in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - timedelta(hours=1)


def client():
    return db.session.scalar(select(User).where(User.email == "alice@example.com"))


def slots(med) -> Counter:
    return Counter((d.local_date, d.local_time) for d in db.session.scalars(
        select(PlannedDose).where(PlannedDose.medication_id == med.id)))


def today_rows(now):
    return [(row.planned.local_time.strftime("%H:%M"), row.state)
            for row in doses.doses_on(db.session, client(), DAY, now)]


def log(med, now, status=DoseStatus.TAKEN, hour=9):
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == DAY,
        PlannedDose.local_time == time(hour)))
    doses.record(db.session, client(), medication_id=med.id, planned_dose_id=planned.id,
                 status=status, now=now)
    db.session.commit()


def test_pause_then_resume_on_the_day_keeps_the_logged_dose_and_plans_no_copy(app, alice):
    med = add_medication(alice, at(7), times=["09:00"])
    log(med, at(8, 30), DoseStatus.SKIPPED)
    medications.pause(db.session, client(), med, at(8, 35))
    medications.resume(db.session, client(), med, at(8, 40))
    db.session.commit()

    assert today_rows(at(8, 45)) == [("09:00", "skipped")]
    assert all(n == 1 for n in slots(med).values())
    period = insights.Period(DAY, DAY)
    (figures,) = insights.adherence(db.session, client(), period, at(23),
                                    insights.medications_by_id(db.session, client()))
    assert (figures.skipped, figures.due) == (1, 1)


def test_resume_plans_a_slot_that_was_dropped_while_paused(app, alice):
    med = add_medication(alice, at(7), times=["09:00"])
    medications.pause(db.session, client(), med, at(8, 0))
    assert today_rows(at(8, 1)) == []
    medications.resume(db.session, client(), med, at(8, 30))
    db.session.commit()
    assert today_rows(at(8, 31)) == [("09:00", "upcoming")]


def test_pausing_twice_and_resuming_twice_in_a_day_still_gives_one_dose(app, alice):
    med = add_medication(alice, at(7), times=["09:00", "21:00"])
    log(med, at(8, 50))
    for minute in (0, 20):
        medications.pause(db.session, client(), med, at(10, minute))
        medications.resume(db.session, client(), med, at(10, minute + 10))
    db.session.commit()
    assert today_rows(at(11)) == [("09:00", "taken"), ("21:00", "upcoming")]
    assert all(n == 1 for n in slots(med).values())


def test_a_dose_change_from_today_keeps_todays_logged_dose_under_its_version(app, alice):
    med = add_medication(alice, at(7), times=["09:00", "21:00"])
    log(med, at(8, 50))
    spec = medications.spec_of(med.regimens[-1])
    spec.strength = Decimal(75)
    medications.change_regimen(db.session, client(), med, spec,
                               medications.change_starts_at(client(), DAY, at(9, 30)),
                               at(9, 30))
    db.session.commit()

    rows = doses.doses_on(db.session, client(), DAY, at(9, 31))
    assert [(r.planned.local_time.strftime("%H:%M"), r.state, r.planned.regimen.strength)
            for r in rows] == [("09:00", "taken", Decimal(50)), ("21:00", "upcoming", Decimal(75))]
    assert all(n == 1 for n in slots(med).values())


def test_a_dose_change_before_an_untaken_dose_moves_it_to_the_new_version(app, alice):
    med = add_medication(alice, at(7), times=["09:00"])
    log(med, at(8, 50))  # logged early: the 09:00 dose is still ahead but taken
    spec = medications.spec_of(med.regimens[-1])
    spec.strength, spec.times = Decimal(75), ["09:00", "12:00"]
    medications.change_regimen(db.session, client(), med, spec, at(8, 55), at(8, 55))
    db.session.commit()
    rows = doses.doses_on(db.session, client(), DAY, at(8, 56))
    assert [(r.planned.local_time.strftime("%H:%M"), r.state, r.planned.regimen.strength)
            for r in rows] == [("09:00", "taken", Decimal(50)), ("12:00", "upcoming", Decimal(75))]


def test_undo_while_paused_then_resume_gives_one_dose(app, alice):
    med = add_medication(alice, at(7), times=["09:00"])
    log(med, at(8, 30))
    medications.pause(db.session, client(), med, at(8, 35))
    event = db.session.scalars(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == DAY)).one().event
    doses.undo(db.session, client(), event, at(8, 38))
    medications.resume(db.session, client(), med, at(8, 40))
    db.session.commit()
    assert today_rows(at(8, 45)) == [("09:00", "upcoming")]


def test_stop_after_a_logged_dose_keeps_it_and_plans_nothing_more(app, alice):
    med = add_medication(alice, at(7), times=["09:00", "21:00"])
    log(med, at(8, 50))
    medications.stop(db.session, client(), med, DAY, "", at(10))
    db.session.commit()
    assert today_rows(at(10, 1)) == [("09:00", "taken")]
    assert all(n == 1 for n in slots(med).values())
