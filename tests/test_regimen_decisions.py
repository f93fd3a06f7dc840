"""A decision from moment E (a change of dose or times, a pause, a resume, a stop) replaces
whatever was scheduled from E on, including a change recorded earlier to start later; and
undoing a logged dose never brings back a dose nobody should take.

The cast: Alice (Europe/London, on UTC in December) takes Sertraline 50 mg at 08:00 and
20:00; at 10:00 on 1 December she has already recorded 75 mg from 2 December."""
import html as html_text
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import (DoseStatus, MedicationKind, PlannedDose, PushSubscription, Reminder,
                    ReminderStatus, User, db)
from tend.reminders import planner
from tend.reminders.kinds import dose as dose_reminders
from tend.services import doses, medications, schedule
from tests.conftest import api_headers, csrf_token, login

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
TODAY, TOMORROW = date(2026, 12, 1), date(2026, 12, 2)


def _client(person) -> User:
    return db.session.get(User, person.id)


def _spec(strength=50, times=("08:00", "20:00")):
    return medications.RegimenSpec(amount=Decimal(1), strength=Decimal(strength),
                                   strength_unit="mg", times=list(times))


def _add(person, **spec):
    med, _ = medications.create_medication(
        db.session, _client(person), name="Sertraline", form="tablet",
        kind=MedicationKind.PRESCRIBED, spec=_spec(**spec), started_on=date(2026, 11, 20),
        now=datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc))
    schedule.plan_doses(db.session, _client(person), NOW)  # what the worker does meanwhile
    db.session.commit()
    return med


def _change_from(person, med, day: date, now=NOW, **spec):
    client = _client(person)
    medications.change_regimen(db.session, client, med, _spec(**spec),
                               medications.change_starts_at(client, day, now), now)
    db.session.commit()


def _planned(med, day: date, clock: str) -> list[PlannedDose]:
    db.session.expire_all()
    return db.session.scalars(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == day,
        PlannedDose.local_time == time.fromisoformat(clock))).all()


def _log(person, dose: PlannedDose, now: datetime, status=DoseStatus.TAKEN):
    logged = doses.record(db.session, _client(person), medication_id=dose.medication_id,
                          planned_dose_id=dose.id, status=status, now=now)
    db.session.commit()
    return logged.event


def _undo(person, event, now: datetime) -> None:
    doses.undo(db.session, _client(person), event, now)
    db.session.commit()


def _in_force(med, moment: datetime) -> list[int]:
    """The strengths of every version in force at ``moment`` (one, or none after a stop)."""
    db.session.expire_all()
    return [int(r.strength) for r in med.regimens
            if r.valid_from <= moment and (r.valid_to is None or moment < r.valid_to)]


@pytest.fixture
def sertraline(app, clock, alice):
    clock.set(NOW)
    med = _add(alice)
    _change_from(alice, med, TOMORROW, strength=75)
    return med


def today_rows(browser) -> list[tuple[str, str, str]]:
    """Today's dose rows as the client reads them: (time, medication and dose, state)."""
    response = browser.get("/today")
    assert response.status_code == 200
    html = html_text.unescape(response.get_data(as_text=True)).replace("\u202f", " ")
    return re.findall(r'<p class="dose-time">([^<]+)<.*?<h3 class="dose-name">([^<]+)</h3>'
                      r'.*?<span class="state state-(\w+)">', html, re.DOTALL)


@pytest.fixture
def as_alice(client, alice):
    login(client, alice)
    return client


# --- 1. A decision replaces what was scheduled from its moment on -----------------------------

def test_a_change_today_after_one_from_tomorrow_is_the_one_version_from_now(sertraline, alice):
    _change_from(alice, sertraline, TODAY, strength=60)

    assert _in_force(sertraline, NOW + timedelta(hours=1)) == [60]
    assert _in_force(sertraline, NOW + timedelta(days=1, hours=1)) == [60]
    assert [int(p.regimen.strength) for p in _planned(sertraline, TODAY, "20:00")] == [60]
    assert [int(p.regimen.strength) for p in _planned(sertraline, TOMORROW, "08:00")] == [60]


def test_a_change_replaced_before_it_began_leaves_no_trace_in_the_dose_history(
        sertraline, alice, as_alice):
    _change_from(alice, sertraline, TODAY, strength=60)
    html = html_text.unescape(as_alice.get(f"/medications/{sertraline.id}").get_data(True))

    assert "75 mg" not in html and "<h1>Sertraline 60 mg</h1>" in html


def test_today_lists_the_evening_dose_once_at_the_dose_changed_today(sertraline, alice,
                                                                     as_alice):
    _change_from(alice, sertraline, TODAY, strength=60)

    assert today_rows(as_alice) == [("8:00 AM", "Sertraline 50 mg", "late"),
                                    ("8:00 PM", "Sertraline 60 mg", "upcoming")]


def test_pause_drops_tonights_dose_and_resume_gives_the_dose_in_force_today(sertraline, alice,
                                                                            as_alice):
    medications.pause(db.session, _client(alice), sertraline, NOW)
    db.session.commit()
    assert _planned(sertraline, TODAY, "20:00") == []
    assert [row[2] for row in today_rows(as_alice)] == ["late"]

    later = NOW + timedelta(hours=1)
    medications.resume(db.session, _client(alice), sertraline, later)
    db.session.commit()
    assert _in_force(sertraline, later) == [50]
    assert today_rows(as_alice)[1:] == [("8:00 PM", "Sertraline 50 mg", "upcoming")]


def test_stop_today_with_a_change_from_tomorrow_ends_tonights_dose(sertraline, alice, as_alice):
    medications.stop(db.session, _client(alice), sertraline, TODAY, "", NOW)
    db.session.commit()

    assert _in_force(sertraline, NOW + timedelta(hours=1)) == []
    assert _in_force(sertraline, NOW + timedelta(days=1, hours=1)) == []
    assert _planned(sertraline, TODAY, "20:00") == []
    assert "upcoming" not in [row[2] for row in today_rows(as_alice)]


def test_a_dose_of_tomorrow_taken_early_keeps_the_version_it_was_taken_under(sertraline,
                                                                             alice):
    [tomorrow_morning] = _planned(sertraline, TOMORROW, "08:00")
    event = _log(alice, tomorrow_morning, NOW)
    _change_from(alice, sertraline, TODAY, strength=60)

    [kept] = _planned(sertraline, TOMORROW, "08:00")
    assert (kept.id, kept.event.id, int(kept.regimen.strength)) == \
        (tomorrow_morning.id, event.id, 75)
    assert _in_force(sertraline, NOW + timedelta(days=1, hours=1)) == [60]  # 75 mg never is


# --- 2. Undo never brings back a dose nobody should take -------------------------------------

def _subscribe(person) -> PushSubscription:
    sub = PushSubscription(user_id=person.id, endpoint="https://push.example/alice",
                           p256dh="key", auth="auth", user_agent="test", created_at=NOW)
    db.session.add(sub)
    db.session.commit()
    return sub


def _pending_reminders(dose_id: int) -> list[Reminder]:
    db.session.expire_all()
    return db.session.scalars(select(Reminder).where(
        Reminder.planned_dose_id == dose_id, Reminder.status == ReminderStatus.PENDING)).all()


def _plan_reminders(person, sub, now):
    dose_reminders.plan(db.session, _client(person), [sub], now, timedelta(hours=12))
    db.session.commit()


def test_undo_after_a_stop_does_not_bring_back_tonights_dose(app, clock, alice, as_alice):
    clock.set(NOW)
    med = _add(alice)
    [evening] = _planned(med, TODAY, "20:00")
    event = _log(alice, evening, NOW, DoseStatus.SKIPPED)
    medications.stop(db.session, _client(alice), med, TODAY, "", NOW + timedelta(minutes=5))
    db.session.commit()
    _undo(alice, event, NOW + timedelta(minutes=10))

    assert _planned(med, TODAY, "20:00") == []
    assert [row[2] for row in today_rows(as_alice)] == ["late"]


def test_undo_after_a_change_of_times_does_not_bring_back_the_old_time(app, clock, alice,
                                                                       as_alice):
    clock.set(NOW)
    med = _add(alice)
    sub = _subscribe(alice)
    [evening] = _planned(med, TODAY, "20:00")
    event = _log(alice, evening, NOW)
    _change_from(alice, med, TODAY, strength=50, times=("08:00", "21:00"))
    _undo(alice, event, NOW + timedelta(minutes=5))
    _plan_reminders(alice, sub, NOW + timedelta(minutes=6))

    assert _planned(med, TODAY, "20:00") == []
    [nine] = _planned(med, TODAY, "21:00")
    assert _pending_reminders(nine.id) and not _pending_reminders(evening.id)
    assert [row[:2] for row in today_rows(as_alice)] == [("8:00 AM", "Sertraline 50 mg"),
                                                        ("9:00 PM", "Sertraline 50 mg")]


def test_undo_after_a_change_of_dose_brings_the_dose_back_at_the_new_dose(app, clock, alice,
                                                                          as_alice):
    clock.set(NOW)
    med = _add(alice)
    [evening] = _planned(med, TODAY, "20:00")
    event = _log(alice, evening, NOW)  # taken ahead of time, then the dose goes up
    _change_from(alice, med, TODAY, strength=75)
    _undo(alice, event, NOW + timedelta(minutes=5))

    assert today_rows(as_alice)[1:] == [("8:00 PM", "Sertraline 75 mg", "upcoming")]


def test_undo_while_paused_shows_no_dose_until_resume(app, clock, alice, as_alice):
    clock.set(NOW)
    med = _add(alice)
    [evening] = _planned(med, TODAY, "20:00")
    event = _log(alice, evening, NOW)
    medications.pause(db.session, _client(alice), med, NOW + timedelta(minutes=5))
    db.session.commit()
    _undo(alice, event, NOW + timedelta(minutes=10))

    assert _planned(med, TODAY, "20:00") == []
    assert [row[2] for row in today_rows(as_alice)] == ["late"]

    medications.resume(db.session, _client(alice), med, NOW + timedelta(minutes=15))
    db.session.commit()
    assert today_rows(as_alice)[1:] == [("8:00 PM", "Sertraline 50 mg", "upcoming")]


def test_undo_of_a_dose_still_wanted_shows_it_as_coming_up_again(app, clock, alice, as_alice):
    clock.set(NOW)
    med = _add(alice)
    [evening] = _planned(med, TODAY, "20:00")
    event = _log(alice, evening, NOW)
    as_alice.post(f"/doses/{event.id}/delete",
                  data={"csrf_token": csrf_token(as_alice, "/today")})

    assert [p.id for p in _planned(med, TODAY, "20:00")] == [evening.id]
    assert today_rows(as_alice)[1:] == [("8:00 PM", "Sertraline 50 mg", "upcoming")]


def test_undo_after_a_move_does_not_bring_back_the_dose_at_the_old_zones_time(
        app, clock, alice, as_alice):
    clock.set(NOW)
    med = _add(alice, times=("20:00",))
    [evening] = _planned(med, TODAY, "20:00")
    event = _log(alice, evening, NOW)  # taken early in London, then off to New York
    planner.set_timezone(db.session, _client(alice), "America/New_York",
                         NOW + timedelta(minutes=30))
    db.session.commit()
    clock.set(NOW + timedelta(minutes=40))
    as_alice.post(f"/doses/{event.id}/delete",
                  data={"csrf_token": csrf_token(as_alice, "/today")})

    assert [p.timezone for p in _planned(med, TODAY, "20:00")] == ["America/New_York"]
    assert today_rows(as_alice) == [("8:00 PM", "Sertraline 50 mg", "upcoming")]


# --- 3. A stop dated ahead: active until its last day, stopped after -----------------------

def _stop(person, med, last_day: date, now=NOW):
    medications.stop(db.session, _client(person), med, last_day, "", now)
    db.session.commit()


def _status_in_api(browser, med) -> str:
    return browser.get(f"/api/v1/medications/{med.id}").get_json()["status"]


def test_a_stop_dated_ahead_keeps_the_days_before_it_and_their_reminders(app, clock, alice,
                                                                         as_alice):
    clock.set(NOW)
    med = _add(alice)
    sub = _subscribe(alice)
    _stop(alice, med, TOMORROW)
    _plan_reminders(alice, sub, NOW)

    assert _status_in_api(as_alice, med) == "active"
    assert today_rows(as_alice)[1:] == [("8:00 PM", "Sertraline 50 mg", "upcoming")]
    [evening] = _planned(med, TODAY, "20:00")
    assert _pending_reminders(evening.id)
    assert len(_planned(med, TOMORROW, "20:00")) == 1
    assert _planned(med, TOMORROW + timedelta(days=1), "08:00") == []


def test_a_stop_dated_ahead_is_a_stop_once_its_last_day_has_passed(app, clock, alice,
                                                                   as_alice):
    clock.set(NOW)
    med = _add(alice)
    _stop(alice, med, TOMORROW)
    app.config.update(TEND_SESSION_IDLE=timedelta(days=7),  # she stays signed in meanwhile
                      TEND_SESSION_ABSOLUTE=timedelta(days=7))
    clock.set(NOW + timedelta(days=2))  # 3 December: the first day without it
    page = html_text.unescape(as_alice.get("/today").get_data(as_text=True))

    assert _status_in_api(as_alice, med) == "stopped"
    assert "Sertraline" not in page


def test_a_change_before_a_stop_dated_ahead_keeps_the_stop(app, clock, alice):
    clock.set(NOW)
    med = _add(alice)
    _stop(alice, med, TOMORROW + timedelta(days=1))  # last day: 3 December
    _change_from(alice, med, TOMORROW, strength=25)  # tapering first

    assert _in_force(med, NOW + timedelta(days=1, hours=1)) == [25]
    assert _in_force(med, NOW + timedelta(days=3)) == []


def test_a_change_after_the_last_day_of_a_stop_is_refused_at_its_date(app, clock, alice,
                                                                      as_alice):
    clock.set(NOW)
    med = _add(alice)
    _stop(alice, med, TOMORROW)
    response = as_alice.post(f"/api/v1/medications/{med.id}/changes", json={
        "strength": 25, "strength_unit": "mg", "amount": 1, "times": ["08:00"],
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "effective_on": "2026-12-03"}, headers=api_headers(as_alice, "/today"))

    assert response.status_code == 400
    assert "effective_on" in response.get_json()["fields"]
    assert _in_force(med, NOW + timedelta(days=3)) == []


def test_a_stop_dated_ahead_moved_later_plans_the_days_added(app, clock, alice):
    clock.set(NOW)
    med = _add(alice)
    _stop(alice, med, TODAY + timedelta(days=1))
    _stop(alice, med, TODAY + timedelta(days=2))
    schedule.plan_doses(db.session, _client(alice), NOW + timedelta(days=1))
    db.session.commit()

    assert len(_planned(med, TODAY + timedelta(days=2), "20:00")) == 1
    assert _planned(med, TODAY + timedelta(days=3), "08:00") == []


def test_the_medication_page_gives_a_stop_dated_ahead_as_the_last_day(app, clock, alice,
                                                                     as_alice):
    clock.set(NOW)
    med = _add(alice)
    _stop(alice, med, TOMORROW)
    html = html_text.unescape(as_alice.get(f"/medications/{med.id}").get_data(as_text=True))

    assert "<dt>Last day</dt><dd>Dec 2, 2026" in html and "Stopped on" not in html


def test_a_supply_that_lasts_until_a_stop_dated_ahead_never_runs_out(app, clock, alice):
    clock.set(NOW)
    med = _add(alice)
    med.units_on_hand = Decimal(6)  # three days at two a day
    _stop(alice, med, TOMORROW)

    assert medications.runs_out_on(med, _client(alice), NOW) is None
    _stop(alice, med, TOMORROW + timedelta(days=5))
    assert medications.runs_out_on(med, _client(alice), NOW) == date(2026, 12, 4)
