"""The client's own pages: who may open them, what bad input shows, and that a form sent
twice logs once."""
import html as html_text
import re
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import (CheckIn, DoseEvent, Medication, MedicationKind, PlannedDose,
                    Severity, SideEffect, User, db)
from tend.services import doses, journal, medications
from tend.services.journal import SideEffectInput
from tend.services.medications import RegimenSpec
from tests.conftest import csrf_token, login

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # 09:00 in London (GMT)


def add_medication(person, name="Sertraline", times=("08:00", "20:00"), as_needed=False,
                   max_per_day=None, units=None):
    user = db.session.get(User, person.id)
    med, _ = medications.create_medication(
        db.session, user, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=RegimenSpec(strength=Decimal(50), strength_unit="mg", times=list(times),
                         as_needed=as_needed, max_per_day=max_per_day),
        started_on=date(2026, 3, 1), now=NOW, units_on_hand=units)
    db.session.commit()
    return med


def planned_on(med, index=0):
    """The ``index``-th dose of ``med`` planned for the test's day (10 March)."""
    return db.session.scalars(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == date(2026, 3, 10))
        .order_by(PlannedDose.due_at)).all()[index]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def signed_in(client, clock, alice):
    clock.set(NOW)
    login(client, alice)
    return client


def page(response) -> str:
    """A response's HTML with entities decoded, so tests read text as a person would."""
    return html_text.unescape(response.get_data(as_text=True))


def post(client, path, data, page="/today"):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


# --- Who may open what --------------------------------------------------------------------------

CLIENT_PAGES = ["/today", "/medications", "/medications/new", "/history", "/checkin", "/more",
                "/side-effects/new"]


@pytest.mark.parametrize("path", CLIENT_PAGES)
def test_a_client_sees_each_page(signed_in, path):
    assert signed_in.get(path).status_code == 200


@pytest.mark.parametrize("person", ["bob", "carol"])
@pytest.mark.parametrize("path", CLIENT_PAGES)
def test_therapists_and_caregivers_get_403(client, request, person, path):
    login(client, request.getfixturevalue(person))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", CLIENT_PAGES)
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.location


# --- Another client's things are not found ------------------------------------------------------

@pytest.fixture
def daves_things(app, clock, dave):
    clock.set(NOW)
    med = add_medication(dave, name="Lithium")
    user = db.session.get(User, dave.id)
    planned = planned_on(med)
    event = doses.record(db.session, user, medication_id=med.id, planned_dose_id=planned.id,
                         status=doses.DoseStatus.TAKEN, now=NOW).event
    item, _ = journal.record_side_effect(db.session, user, SideEffectInput(
        symptom="tremor", severity=Severity.MILD, started_on=date(2026, 3, 9)), NOW)
    db.session.commit()
    return {"med": med.id, "planned": planned_on(med, 1).id, "event": event.id,
            "side_effect": item.id}


@pytest.mark.parametrize("path", [
    "/medications/{med}", "/medications/{med}/edit", "/medications/{med}/change",
    "/medications/{med}/stop", "/doses/{event}/edit", "/doses/{event}/delete",
    "/doses/new?dose={planned}", "/side-effects/{side_effect}",
    "/side-effects/{side_effect}/edit", "/side-effects/{side_effect}/delete"])
def test_another_clients_ids_are_not_found(signed_in, daves_things, path):
    assert signed_in.get(path.format(**daves_things)).status_code == 404


@pytest.mark.parametrize("path, data", [
    ("/medications/{med}/pause", {}), ("/medications/{med}/stop", {"ended_on": "2026-03-10"}),
    ("/medications/{med}/refill", {"units": "10"}), ("/doses/{event}/delete", {}),
    ("/doses/{event}/edit", {"medication_id": "{med}", "status": "taken",
                             "taken_at": "2026-03-10T08:30"}),
    ("/side-effects/{side_effect}/delete", {}),
    ("/side-effects/{side_effect}/edit", {"symptom": "mine now", "severity": "mild",
                                          "started_on": "2026-03-09"}),
    ("/doses", {"medication_id": "{med}", "planned_dose_id": "{planned}", "status": "taken"}),
])
def test_another_clients_things_cannot_be_changed(signed_in, daves_things, path, data):
    before = (count(DoseEvent), count(SideEffect), count(Medication))
    response = post(signed_in, path.format(**daves_things),
                    {k: v.format(**daves_things) for k, v in data.items()})
    assert response.status_code == 404
    assert (count(DoseEvent), count(SideEffect), count(Medication)) == before
    med = db.session.get(Medication, daves_things["med"])
    assert med.status.value == "active" and med.units_on_hand is None
    assert db.session.get(SideEffect, daves_things["side_effect"]).symptom == "tremor"


# --- Today ---------------------------------------------------------------------------------------

def test_today_lists_the_days_doses_in_time_order(signed_in, alice):
    add_medication(alice, name="Sertraline", times=("20:00",))
    add_medication(alice, name="Melatonin", times=("07:30", "22:00"))
    html = page(signed_in.get("/today"))
    names = re.findall(r'<h3 class="dose-name">([^<]+)</h3>', html)
    assert names == ["Melatonin 50 mg", "Sertraline 50 mg", "Melatonin 50 mg"]
    assert "1 hr, 30 min after its time" in html  # 07:30 at 09:00: late, said as a fact


@pytest.mark.parametrize("locale, overdue", [("es", "1 h, 30 min"), ("de", "1 Std., 30 Min.")])
def test_how_long_ago_a_doses_time_was_reads_in_the_clients_language(signed_in, alice, locale,
                                                                      overdue):
    db.session.get(User, alice.id).locale = locale
    db.session.commit()
    add_medication(alice, name="Melatonin", times=("07:30",))
    response = signed_in.get("/today")  # 07:30 at 09:00: 1 h 30 min after its time
    assert response.status_code == 200
    assert overdue in page(response)


def test_a_client_without_medications_is_shown_where_to_start(signed_in):
    html = page(signed_in.get("/today"))
    assert "Add a medication" in html and "Today's doses" not in html


def test_a_notification_tap_opens_today_with_that_dose_ready(signed_in, alice):
    med = add_medication(alice)
    evening = planned_on(med, 1)
    html = page(signed_in.get(f"/today?dose={evening.id}"))
    row = html[html.index(f'id="dose-{evening.id}"'):]
    assert "is-highlighted" in html[html.index(f'id="dose-{evening.id}"') - 80:][:200]
    assert "autofocus" in row[:row.index("</form>")]


def test_taken_logs_the_dose_once_however_often_the_form_is_sent(signed_in, alice):
    med = add_medication(alice)
    dose = planned_on(med)
    data = {"medication_id": med.id, "planned_dose_id": dose.id, "status": "taken",
            "idempotency_key": str(uuid.uuid4())}
    first = post(signed_in, "/doses", data)
    assert first.status_code == 302
    today = page(signed_in.get("/today"))
    assert "Saved: Sertraline taken at 9:00" in today and "Taken at 9:00" in today
    assert post(signed_in, "/doses", data).status_code == 302  # the same form again
    stale = post(signed_in, "/doses", {**data, "idempotency_key": str(uuid.uuid4())})
    assert stale.status_code == 302  # another tab's older copy of Today
    assert "already logged" in page(signed_in.get("/today"))
    assert count(DoseEvent) == 1
    assert db.session.get(Medication, med.id).units_on_hand is None


def test_taken_at_another_time_in_the_future_is_refused_at_the_field(signed_in, alice):
    med = add_medication(alice)
    dose = planned_on(med, 1)
    response = post(signed_in, "/doses", {
        "medication_id": med.id, "planned_dose_id": dose.id, "status": "taken",
        "taken_at": "2026-03-10T20:00", "note": "after dinner",
        "idempotency_key": str(uuid.uuid4())})
    html = page(response)
    assert response.status_code == 400
    assert re.search(r'id="taken_at-error">That time is in the future', html)
    assert 'value="2026-03-10T20:00"' in html and "after dinner" in html
    assert count(DoseEvent) == 0


def test_skip_with_a_reason_and_undo(signed_in, alice):
    med = add_medication(alice)
    dose = planned_on(med)
    post(signed_in, "/doses", {"medication_id": med.id, "planned_dose_id": dose.id,
                               "status": "skipped", "skip_reason": "side_effects"})
    html = page(signed_in.get("/today"))
    assert "Skipped · Because of side effects" in html
    event = db.session.scalar(select(DoseEvent))
    assert post(signed_in, f"/doses/{event.id}/delete", {"next": "/today"}).status_code == 302
    assert count(DoseEvent) == 0
    assert "1 hr after its time" in page(signed_in.get("/today"))


def test_as_needed_past_the_daily_maximum_is_logged_with_a_gentle_note(signed_in, alice):
    med = add_medication(alice, name="Propranolol", times=(), as_needed=True, max_per_day=1)
    for n in range(2):
        response = post(signed_in, "/doses", {"medication_id": med.id, "status": "taken",
                                              "note": "before the meeting"})
        assert response.status_code == 302
    html = page(signed_in.get("/today"))
    assert count(DoseEvent) == 2
    assert "more than the 1 a day you planned for Propranolol" in html
    assert "2 of up to 1 today" in html and "You can still log more" in html


# --- Medications ---------------------------------------------------------------------------------

def medication_data(**changes):
    data = {"name": "Sertraline", "form": "tablet", "kind": "prescribed", "strength": "50",
            "strength_unit": "mg", "amount": "1", "schedule": "fixed",
            "times": ["08:00", "20:00"], "weekdays": [str(n) for n in range(7)],
            "started_on": "2026-03-10", "units_on_hand": "30",
            "idempotency_key": str(uuid.uuid4())}
    data.update(changes)
    return data


def test_adding_a_medication_plans_its_doses_and_shows_its_supply(signed_in):
    response = post(signed_in, "/medications/new", medication_data())
    assert response.status_code == 302
    html = page(signed_in.get(response.location))
    assert "Every day at 8:00\u202fAM and 8:00\u202fPM" in html
    assert "30 left" in html and "runs out around" in html
    assert len(re.findall('class="dose-name"', page(signed_in.get("/today")))) == 2


def test_bad_medication_input_is_named_at_the_field_and_nothing_is_saved(signed_in):
    response = post(signed_in, "/medications/new", medication_data(
        name="", amount="-2", times=["25:00"], purpose="For sleep"))
    html = page(response)
    assert response.status_code == 400
    assert "Enter the medication's name." in html
    assert "Enter an amount above 0 and at most 100." in html
    assert "Enter times like 08:00 or 21:30." in html
    assert 'value="For sleep"' in html and 'value="25:00"' in html
    assert count(Medication) == 0


def test_adding_the_same_form_twice_adds_one_medication(signed_in):
    data = medication_data()
    post(signed_in, "/medications/new", data)
    post(signed_in, "/medications/new", data)
    assert count(Medication) == 1


def test_a_dose_change_keeps_the_old_version_in_the_history(signed_in, alice, clock):
    med = add_medication(alice)
    response = post(signed_in, f"/medications/{med.id}/change", {
        "effective_on": "2026-03-12", "strength": "100", "strength_unit": "mg",
        "amount": "1", "schedule": "fixed", "times": ["08:00"],
        "weekdays": [str(n) for n in range(7)], "note": "Agreed at review"})
    assert response.status_code == 302
    html = page(signed_in.get(f"/medications/{med.id}"))
    assert "Dose or schedule changed" in html and "Agreed at review" in html
    assert html.index("100 mg") < html.index("Started")
    past = post(signed_in, f"/medications/{med.id}/change", {
        "effective_on": "2026-03-01", "amount": "1", "schedule": "fixed",
        "times": ["09:00"], "weekdays": ["0"]})
    assert past.status_code == 400
    assert "Choose today or a later date." in page(past)
    assert len(db.session.get(Medication, med.id).regimens) == 2


def test_pause_resume_stop_and_refill(signed_in, alice):
    med = add_medication(alice, units=Decimal(4))
    post(signed_in, f"/medications/{med.id}/pause", {})
    assert "No doses are planned" in page(signed_in.get(f"/medications/{med.id}"))
    post(signed_in, f"/medications/{med.id}/resume", {})
    bad = post(signed_in, f"/medications/{med.id}/refill", {"units": "-3"})
    assert bad.status_code == 400 and "Enter a number above 0." in page(bad)
    post(signed_in, f"/medications/{med.id}/refill", {"units": "28"})
    assert db.session.get(Medication, med.id).units_on_hand == 32
    early = post(signed_in, f"/medications/{med.id}/stop", {"ended_on": "2026-02-01"})
    assert "can't be before the start date" in page(early)
    post(signed_in, f"/medications/{med.id}/stop", {"ended_on": "2026-03-10",
                                                    "reason": "Finished the course"})
    html = page(signed_in.get("/medications"))
    assert "Stopped on" in html and db.session.get(Medication, med.id).status.value == "stopped"


# --- Side effects and check-ins -----------------------------------------------------------------

def side_effect_data(**changes):
    data = {"symptom": "nausea", "severity": "mild", "started_on": "2026-03-09",
            "idempotency_key": str(uuid.uuid4())}
    data.update(changes)
    return data


def test_a_severe_side_effect_shows_when_to_contact_the_prescriber(signed_in, alice):
    med = add_medication(alice)
    response = post(signed_in, "/side-effects/new",
                    side_effect_data(severity="severe", medication_ids=[str(med.id)]))
    html = page(signed_in.get(response.location))
    assert "Contact your prescriber soon" in html and "emergency" in html
    assert db.session.scalar(select(SideEffect)).medications[0].id == med.id


def test_a_red_flag_symptom_says_to_get_help_now(signed_in):
    response = post(signed_in, "/side-effects/new",
                    side_effect_data(symptom="Chest pain", severity="moderate"))
    assert "Call your local emergency number now" in \
        page(signed_in.get(response.location))


def test_a_mild_side_effect_gives_no_advice(signed_in):
    response = post(signed_in, "/side-effects/new", side_effect_data())
    html = page(signed_in.get(response.location))
    assert "prescriber" not in html and "emergency" not in html


def test_side_effect_rules_are_named_at_the_field(signed_in, daves_things):
    response = post(signed_in, "/side-effects/new", side_effect_data(
        ended_on="2026-03-01", note="kept", medication_ids=[str(daves_things["med"])]))
    html = page(response)
    assert response.status_code == 400
    assert "Choose from your own medications." in html or "The end can" in html
    assert "kept" in html
    assert count(SideEffect) == 1  # Dave's only
    future = post(signed_in, "/side-effects/new", side_effect_data(started_on="2026-03-11"))
    assert 'id="started_on-error">That date is in the future' in page(future)


def test_the_same_side_effect_form_twice_saves_one(signed_in):
    data = side_effect_data()
    post(signed_in, "/side-effects/new", data)
    post(signed_in, "/side-effects/new", data)
    assert count(SideEffect) == 1


def checkin_data(**changes):
    data = {"sleep_hours": "7.5", "sleep_quality": "4", "energy": "3", "mood": "4",
            "work": "3", "relationships": "5", "self_care": "4",
            "idempotency_key": str(uuid.uuid4())}
    data.update(changes)
    return data


def test_one_check_in_per_day_and_saving_again_updates_it(signed_in):
    assert post(signed_in, "/checkin", checkin_data(), "/checkin").status_code == 302
    assert "Done for today" in page(signed_in.get("/today"))
    post(signed_in, "/checkin", checkin_data(mood="2", note="long day"), "/checkin")
    item = db.session.scalar(select(CheckIn))
    assert count(CheckIn) == 1 and item.mood == 2 and item.note == "long day"
    assert '<input checked id="mood-1" name="mood" type="radio" value="2">' in \
        page(signed_in.get("/checkin"))


def test_an_earlier_day_can_be_filled_in_but_not_a_future_one(signed_in):
    assert post(signed_in, "/checkin/2026-03-08", checkin_data(), "/checkin").status_code == 302
    assert db.session.scalar(select(CheckIn)).local_date == date(2026, 3, 8)
    assert signed_in.get("/checkin/2026-03-11").status_code == 404
    assert signed_in.get("/checkin?date=2026-03-07").location.endswith("/checkin/2026-03-07")


def test_bad_check_in_values_are_named_at_the_field(signed_in):
    response = post(signed_in, "/checkin", checkin_data(sleep_hours="30", mood="9",
                                                       note="keep me"), "/checkin")
    html = page(response)
    assert response.status_code == 400
    assert 'id="sleep_hours-error">Enter hours from 0 to 24.' in html
    assert 'id="mood-error">' in html and "keep me" in html
    assert count(CheckIn) == 0


# --- History ---------------------------------------------------------------------------------

def test_history_shows_every_kind_of_entry_and_deletes_after_confirming(signed_in, alice,
                                                                         clock):
    med = add_medication(alice)
    user = db.session.get(User, alice.id)
    doses.record(db.session, user, medication_id=med.id, planned_dose_id=planned_on(med).id,
                 status=doses.DoseStatus.TAKEN, now=NOW)
    journal.record_side_effect(db.session, user, SideEffectInput(
        symptom="headache", severity=Severity.MODERATE, started_on=date(2026, 3, 10)), NOW)
    journal.save_checkin(db.session, user, date(2026, 3, 10), {"mood": 4}, NOW)
    db.session.commit()
    clock.set(datetime(2026, 3, 10, 21, 30, tzinfo=timezone.utc))
    login(signed_in, alice)  # signed out after two idle hours
    html = page(signed_in.get("/history"))
    assert "Taken at 9:00" in html and "headache" in html and "Mood: 4/5" in html
    assert "Not logged" in html  # the evening dose
    assert "Started" in html  # the medication's first version
    item = db.session.scalar(select(SideEffect))
    confirm = signed_in.get(f"/side-effects/{item.id}/delete?next=/history")
    assert confirm.status_code == 200 and "Yes, delete" in page(confirm)
    assert count(SideEffect) == 1
    post(signed_in, f"/side-effects/{item.id}/delete", {"next": "/history"}, "/history")
    assert count(SideEffect) == 0


def test_history_pages_back_a_week_at_a_time(signed_in):
    html = page(signed_in.get("/history?until=2026-02-20"))
    assert "Friday, February 20" in html and "Saturday, February 14" in html
    assert "Friday 13 February" not in html
    assert "until=2026-02-13" in html and "until=2026-02-27" in html
    assert signed_in.get("/history?until=nonsense").status_code == 404


def test_more_lists_only_pages_that_exist(signed_in, app):
    html = page(signed_in.get("/more"))
    assert 'href="/account"' in html
    app.view_functions.pop("export.overview", None)  # as if that area were not installed
    assert 'href="/my-data"' not in page(signed_in.get("/more"))


def test_todays_dose_forms_carry_what_the_offline_queue_needs(signed_in, alice):
    """Each dose form names its API and has its own UUID key; its fields, without the
    page-only csrf_token and next, are a valid body for that API."""
    med = add_medication(alice)
    html = page(signed_in.get("/today"))
    forms = re.findall(r'<form method="post" action="/doses"[^>]*data-offline="dose" '
                       r'data-api="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    assert len(forms) == 6  # Taken, another time, Skip for each of the two doses
    keys = [re.search(r'name="idempotency_key" value="([^"]+)" data-idempotency-key', body)
            .group(1) for _, body in forms]
    assert len(set(keys)) == 6 and all(uuid.UUID(key) for key in keys)
    api, body = forms[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
    del fields["csrf_token"], fields["next"]
    headers = {"X-CSRFToken": csrf_token(signed_in, "/today")}
    response = signed_in.post(api, json=fields, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert signed_in.post(api, json=fields, headers=headers).status_code == 200  # a replay
    assert count(DoseEvent) == 1 and db.session.scalar(select(DoseEvent)).medication_id == med.id


def test_a_reminder_for_yesterdays_dose_opens_that_dose(signed_in, alice, clock):
    med = add_medication(alice)
    evening = planned_on(med, 1)
    clock.set(datetime(2026, 3, 11, 0, 30, tzinfo=timezone.utc))  # just after midnight
    login(signed_in, alice)  # signed out after two idle hours
    response = signed_in.get(f"/today?dose={evening.id}")
    assert response.location.endswith(f"/doses/new?dose={evening.id}")
    assert "Planned for Tuesday, March 10 at 8:00" in page(signed_in.get(response.location))
    assert signed_in.get("/today?dose=999999").location.endswith("/today")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example/"])
def test_forms_never_send_the_client_to_another_site(signed_in, alice, target):
    med = add_medication(alice)
    response = post(signed_in, "/doses", {"medication_id": med.id, "status": "taken",
                                          "next": target})
    assert response.location == "/today"


def test_a_check_in_is_deleted_from_history_after_confirming(signed_in, alice):
    journal.save_checkin(db.session, db.session.get(User, alice.id), date(2026, 3, 9),
                         {"mood": 3}, NOW)
    db.session.commit()
    html = page(signed_in.get("/history"))
    link = re.search(r'href="(/checkin/2026-03-09/delete[^"]*)">Delete', html).group(1)
    assert "Yes, delete" in page(signed_in.get(link)) and count(CheckIn) == 1
    response = post(signed_in, "/checkin/2026-03-09/delete", {"next": "/history"}, "/history")
    assert response.location == "/history" and count(CheckIn) == 0
    assert signed_in.get("/checkin/2026-03-09/delete").status_code == 404


@pytest.mark.parametrize("path", ["/more", "/reminders", "/appointment", "/experiments",
                                  "/my-data", "/sharing/", "/account"])
def test_the_pages_listed_under_more_keep_more_marked_in_the_navigation(signed_in, path):
    html = page(signed_in.get(path))
    [current] = re.findall(r'<a href="([^"]+)" aria-current="page">', html)
    assert current == "/more"
