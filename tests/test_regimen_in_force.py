"""One answer to "which dose applies on day D": a change that starts tomorrow is not today's
dose anywhere, and shows as upcoming wherever today's dose shows.

The cast: Alice (Europe/London, on UTC in December) takes Sertraline 50 mg at 08:00 and
20:00; on 1 December at 10:00 she records 75 mg from 2 December."""
import html as html_text
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import (Category, DoseStatus, MedicationKind, PlannedDose, Reminder, ReminderKind,
                    ReminderSettings, User, db)
from tend.reminders import messages, preferences
from tend.services import doses, fhir, medications, schedule
from tests.conftest import login
from tests.sharing_world import link

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
TODAY, TOMORROW = date(2026, 12, 1), date(2026, 12, 2)


def _client(person) -> User:
    return db.session.get(User, person.id)


def _spec(strength=50, amount=1, times=("08:00", "20:00"), as_needed=False, max_per_day=None):
    return medications.RegimenSpec(amount=Decimal(amount), strength=Decimal(strength),
                                   strength_unit="mg", times=[] if as_needed else list(times),
                                   as_needed=as_needed, max_per_day=max_per_day)


def _add(person, name="Sertraline", units=None, started_on=date(2026, 11, 20), **spec):
    med, _ = medications.create_medication(
        db.session, _client(person), name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=_spec(**spec), started_on=started_on,
        now=datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc),
        units_on_hand=Decimal(units) if units is not None else None)
    db.session.commit()
    return med


def _change_from(person, med, day: date, now=NOW, **spec):
    client = _client(person)
    regimen = medications.change_regimen(
        db.session, client, med, _spec(**spec),
        medications.change_starts_at(client, day, now), now)
    db.session.commit()
    return regimen


@pytest.fixture
def sertraline(app, clock, alice):
    """Sertraline 50 mg, with 75 mg recorded at 10:00 today to start tomorrow."""
    clock.set(NOW)
    med = _add(alice)
    _change_from(alice, med, TOMORROW, strength=75)
    return med


def _strength(regimen) -> int:
    return int(regimen.strength)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html_text.unescape(response.get_data(as_text=True))


# --- The rule itself ---------------------------------------------------------------------------

def test_a_change_from_tomorrow_applies_from_tomorrow_only(sertraline, alice):
    client, med = _client(alice), sertraline
    assert _strength(medications.version_on(med, client, TODAY - timedelta(days=1), NOW)) == 50
    assert _strength(medications.version_on(med, client, TODAY, NOW)) == 50
    assert _strength(medications.version_on(med, client, TOMORROW, NOW)) == 75
    assert _strength(medications.version_on(med, client, TOMORROW + timedelta(days=5), NOW)) == 75
    assert [_strength(r) for r in medications.scheduled_versions(med, NOW)] == [75]
    # Once tomorrow has come, 75 mg is the dose and nothing is scheduled any more.
    tomorrow_noon = NOW + timedelta(days=1, hours=2)
    assert _strength(medications.version_on(med, client, TOMORROW, tomorrow_noon)) == 75
    assert _strength(medications.version_on(med, client, TODAY, tomorrow_noon)) == 50
    assert medications.scheduled_versions(med, tomorrow_noon) == []


def test_a_change_effective_later_today_applies_from_its_own_moment(app, clock, alice):
    clock.set(NOW)
    med = _add(alice)
    client = _client(alice)
    at_three = NOW.replace(hour=15)
    medications.change_regimen(db.session, client, med, _spec(strength=75), at_three, NOW)
    db.session.commit()
    assert _strength(medications.version_on(med, client, TODAY, NOW)) == 50
    assert [_strength(r) for r in medications.scheduled_versions(med, NOW)] == [75]
    assert _strength(medications.version_on(med, client, TODAY, at_three)) == 75
    assert _strength(medications.version_at(med, at_three - timedelta(seconds=1))) == 50
    assert _strength(medications.version_on(med, client, TODAY - timedelta(days=1), NOW)) == 50


def test_paused_and_stopped_medications_show_what_applies(app, clock, alice):
    clock.set(NOW)
    paused, stopped = _add(alice, name="Paused"), _add(alice, name="Stopped")
    client = _client(alice)
    medications.pause(db.session, client, paused, NOW)
    medications.stop(db.session, client, stopped, TODAY, "", NOW)
    db.session.commit()
    assert medications.version_on(paused, client, TODAY, NOW).is_paused
    assert not medications.version_on(paused, client, TODAY - timedelta(days=1), NOW).is_paused
    # A stopped medication shows the last dose taken, today and later.
    later = NOW + timedelta(days=3)
    assert _strength(medications.version_on(stopped, client, TODAY, NOW)) == 50
    assert _strength(medications.version_on(stopped, client, TODAY + timedelta(days=3),
                                            later)) == 50
    assert medications.scheduled_versions(stopped, NOW) == []


def test_a_medication_that_starts_later_shows_its_first_dose_and_nothing_as_a_change(
        app, clock, alice):
    clock.set(NOW)
    med = _add(alice, started_on=date(2026, 12, 5))
    client = _client(alice)
    assert _strength(medications.version_on(med, client, TODAY, NOW)) == 50
    assert medications.scheduled_versions(med, NOW) == []


def test_the_supply_estimate_follows_the_dose_going_up(app, clock, alice):
    clock.set(NOW)
    med = _add(alice, units=10)
    _change_from(alice, med, TOMORROW, amount=2)
    # 2 tablets today (8 left), then 4 a day: none left for 4 December. At 2 a day it
    # would have been 6 December.
    assert medications.runs_out_on(med, _client(alice), NOW) == date(2026, 12, 4)


# --- The client's pages --------------------------------------------------------------------------

@pytest.fixture
def as_alice(client, sertraline, alice):
    login(client, alice)
    return client


def test_the_medication_list_shows_todays_dose_and_the_change_to_come(as_alice):
    html = page(as_alice.get("/medications"))
    assert "Sertraline 50 mg" in html and "Sertraline 75 mg" not in html
    assert "From Dec 2: 75 mg" in html


def test_the_medication_page_shows_todays_dose_and_the_change_to_come(as_alice, sertraline):
    html = page(as_alice.get(f"/medications/{sertraline.id}"))
    assert "<h1>Sertraline 50 mg</h1>" in html
    assert "From Dec 2: 75 mg" in html


def test_the_date_of_a_change_is_written_the_way_the_locale_writes_it(as_alice, alice):
    _client(alice).locale = "en_GB"
    db.session.commit()
    assert "From 2 Dec: 75 mg" in page(as_alice.get("/medications"))


def test_today_shows_todays_dose_and_the_change_to_come(as_alice):
    html = page(as_alice.get("/today"))
    assert "Sertraline 75 mg" not in html
    assert html.count('<h3 class="dose-name">Sertraline 50 mg</h3>') == 2
    assert "From Dec 2: 75 mg" in html


def test_the_appointment_summary_shows_todays_dose_and_the_scheduled_change(as_alice):
    html = page(as_alice.get("/appointment/summary"))
    assert "<strong>Sertraline</strong> 50 mg" in html
    assert "<strong>Sertraline</strong> 75 mg" not in html
    assert "Scheduled: from Dec 2, 75 mg" in html


def test_an_as_needed_dose_counts_the_version_in_force_when_taken(app, clock, alice):
    clock.set(NOW)
    med = _add(alice, name="Ibuprofen", units=20, as_needed=True, max_per_day=3, strength=200)
    _change_from(alice, med, TOMORROW, as_needed=True, max_per_day=2, strength=200, amount=2)
    logged = doses.record(db.session, _client(alice), medication_id=med.id,
                          status=DoseStatus.TAKEN, now=NOW)
    db.session.commit()
    assert logged.event.amount == 1 and med.units_on_hand == 19


def test_todays_as_needed_list_uses_todays_limit(as_alice, alice):
    med = _add(alice, name="Ibuprofen", as_needed=True, max_per_day=3, strength=200)
    _change_from(alice, med, TOMORROW, as_needed=True, max_per_day=2, strength=400)
    html = page(as_alice.get("/today"))
    assert "Ibuprofen 200 mg" in html and "0 of up to 3 today" in html
    assert "From Dec 2: 400 mg" in html


# --- The API (and so the offline copy of Today) ----------------------------------------------------

def test_the_api_today_gives_each_dose_its_own_strength(as_alice):
    today = as_alice.get("/api/v1/today").get_json()
    assert {row["medication"]["strength"] for row in today["doses"]} == {50}
    tomorrow = as_alice.get("/api/v1/today?date=2026-12-02").get_json()
    assert {row["medication"]["strength"] for row in tomorrow["doses"]} == {75}


def test_the_api_medication_is_todays_dose_with_the_change_scheduled(as_alice, sertraline):
    [med] = as_alice.get("/api/v1/medications").get_json()["medications"]
    assert med["strength"] == 50
    assert [(r["strength"], r["valid_from"]) for r in med["scheduled"]] == \
        [(75, "2026-12-02T00:00:00Z")]
    one = as_alice.get(f"/api/v1/medications/{sertraline.id}").get_json()
    assert one["strength"] == 50 and len(one["scheduled"]) == 1


# --- What others see ---------------------------------------------------------------------------

@pytest.fixture
def as_bob(app, sertraline, alice, bob):
    link(_client(alice), bob, [Category.MEDICATIONS], from_date=date(2026, 11, 1), now=NOW)
    viewer = app.test_client()
    login(viewer, bob)
    return viewer


def test_the_therapist_sees_todays_dose_and_the_change_to_come(as_bob, alice):
    html = page(as_bob.get(f"/care/clients/{alice.id}"))
    assert "Sertraline 50 mg" in html and "Sertraline 75 mg" not in html
    assert "From Dec 2: 75 mg" in html


def test_the_prescriber_update_lists_the_change_after_its_period_as_scheduled(as_bob, alice):
    html = page(as_bob.get(f"/care/clients/{alice.id}/update"))
    assert "Sertraline 50 mg" in html and "Sertraline 75 mg" not in html
    assert "Scheduled: from Dec 2, 75 mg" in html
    # A period that takes in 2 December lists it as a change in the period.
    html = page(as_bob.get(f"/care/clients/{alice.id}/update?first=2026-11-20&last=2026-12-05"))
    assert "Sertraline: dose or schedule changed (75 mg" in html
    assert "Scheduled: from" not in html


def test_a_change_after_the_shared_days_is_not_shown(app, sertraline, alice, bob):
    link(_client(alice), bob, [Category.MEDICATIONS], from_date=date(2026, 11, 1),
         until_date=TODAY, now=NOW)
    viewer = app.test_client()
    login(viewer, bob)
    html = page(viewer.get(f"/care/clients/{alice.id}/update"))
    assert "Sertraline 50 mg" in html
    assert "75 mg" not in html and "Dec 2" not in html


def test_see_as_shows_what_the_therapist_sees(app, sertraline, alice, bob):
    care_link = link(_client(alice), bob, [Category.MEDICATIONS], from_date=date(2026, 11, 1),
                     now=NOW)
    viewer = app.test_client()
    login(viewer, alice)
    html = page(viewer.get(f"/sharing/people/{care_link.id}/preview"))
    assert "Sertraline 50 mg" in html and "From Dec 2: 75 mg" in html


def test_the_prescriber_update_counts_doses_logged_before_their_time(app, clock, alice, bob):
    """The last day of the period held a logged dose: the update must not say there were no
    scheduled doses."""
    clock.set(NOW)
    med = _add(alice, times=("20:00",))
    schedule.plan_doses(db.session, _client(alice), NOW)
    evening = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == TODAY))
    doses.record(db.session, _client(alice), medication_id=med.id, planned_dose_id=evening.id,
                 status=DoseStatus.TAKEN, now=NOW)
    db.session.commit()
    link(_client(alice), bob, [Category.MEDICATIONS], from_date=TODAY, now=NOW)
    viewer = app.test_client()
    login(viewer, bob)
    html = page(viewer.get(f"/care/clients/{alice.id}/update"))
    assert "No scheduled doses in this period yet." not in html
    assert "1 of 1 scheduled doses taken" in html


# --- Exports and messages ------------------------------------------------------------------------

def test_the_fhir_export_marks_todays_version_active_and_the_next_one_intended(
        sertraline, alice):
    document = fhir.bundle(db.session, _client(alice), NOW, "http://localhost")
    statements = [entry["resource"] for entry in document["entry"]
                  if entry["resource"]["resourceType"] == "MedicationStatement"]
    assert [(s["dosage"][0]["text"], s["status"]) for s in statements] == \
        [("50 mg", "active"), ("75 mg", "intended")]
    fhir.validate(document)


def test_a_reminder_names_the_strength_of_its_own_dose(app, sertraline, alice):
    evening = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == sertraline.id, PlannedDose.local_date == TODAY,
        PlannedDose.local_time == datetime(2026, 1, 1, 20).time()))
    reminder = Reminder(id=1, user_id=alice.id, planned_dose=evening, kind=ReminderKind.DOSE,
                        due_at=evening.due_at, expires_at=evening.due_at + timedelta(hours=1),
                        next_attempt_at=evening.due_at)
    db.session.add(reminder)  # a payload is built from the reminder as stored
    settings = ReminderSettings(user_id=alice.id, show_names=True)
    with app.test_request_context():
        payload = messages.payload_for(reminder, _client(alice), settings, NOW)
    assert "Sertraline 50 mg" in payload["body"]


def test_reminders_can_still_be_set_for_a_schedule_that_turns_as_needed_tomorrow(
        app, clock, alice):
    clock.set(NOW)
    med = _add(alice)
    _change_from(alice, med, TOMORROW, as_needed=True)
    assert [m.id for m in preferences.scheduled_medications(db.session, _client(alice), NOW)] == \
        [med.id]
