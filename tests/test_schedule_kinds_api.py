"""Schedule kinds over the API, the pages, reminders, FHIR and export (issue 17): what a client
(or a script sending crafted JSON) sees."""
import html
import io
import json
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from models import (DoseEvent, PushSubscription, Regimen, Reminder, ReminderKind, ReminderStatus,
                    Role, User, db)
from tend.reminders import planner
from tend.reminders.kinds import follow_up
from tests.conftest import api_headers, csrf_token, login, make_person
from tests.test_export import _download_zip, record_snapshot

UTC = timezone.utc
NOW = datetime(2026, 5, 6, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in London


@pytest.fixture
def signed_in(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    client.headers = api_headers(client, "/today")
    return client


def body(**changes):
    result = {"name": "Lithium", "form": "tablet", "kind": "prescribed", "amount": 1,
              "schedule": "fixed", "times": ["08:00"], "started_on": "2026-05-01",
              "idempotency_key": str(uuid.uuid4())}
    result.update(changes)
    return result


def create(client, **changes):
    return client.post("/api/v1/medications", json=body(**changes), headers=client.headers)


KINDS = {
    "every_hours": dict(schedule="every_hours", first_time="06:00", last_time="22:00",
                        interval_hours=8, times=[]),
    "every_days": dict(schedule="every_days", interval_days=3, times=["09:00"]),
    "cycle": dict(schedule="cycle", cycle_on_days=21, cycle_off_days=7, times=["21:00"]),
    "weekday_amounts": dict(amount="1/2", amount_unit="tablet", amount_words="half a tablet",
                            amount_saturday="1 1/2", amount_sunday="¼"),
    "as_needed": dict(schedule="as_needed", times=[], reason="when I can't sleep",
                      max_per_day=2, min_interval_minutes=240, follow_up_minutes=60),
}


@pytest.mark.parametrize("missing, field, kind", [
    ("interval_hours", "interval_hours", "every_hours"),
    ("last_time", "last_time", "every_hours"),
    ("first_time", "first_time", "every_hours"),
    ("interval_days", "interval_days", "every_days"),
    ("cycle_off_days", "cycle_off_days", "cycle"),
    ("times", "times", "cycle"),
])
def test_a_kind_without_what_it_needs_is_refused_naming_the_field(signed_in, missing, field,
                                                                  kind):
    fields = {k: v for k, v in KINDS[kind].items() if k != missing}
    if missing == "times":
        fields["times"] = []
    response = create(signed_in, **fields)
    assert response.status_code == 400, response.json
    assert field in response.json["fields"], response.json


@pytest.mark.parametrize("changes, field", [
    ({"amount": "half"}, "amount"), ({"amount": "1/0"}, "amount"),
    ({"amount_saturday": "200"}, "amount_saturday"),
    ({"schedule": "every_hours", "first_time": "22:00", "last_time": "06:00",
      "interval_hours": 8}, "last_time"),
    ({"schedule": "every_hours", "first_time": "06:00", "last_time": "22:00",
      "interval_hours": 30}, "interval_hours"),
    ({"schedule": "cycle", "cycle_on_days": 0, "cycle_off_days": 7}, "cycle_on_days"),
    ({"amount_unit": "bucket"}, "amount_unit"),
    ({"schedule": "as_needed", "follow_up_minutes": 7}, "follow_up_minutes"),
    ({"ends_on": "2026-05-02"}, "ends_on"),  # before today
])
def test_bad_values_get_a_json_error_at_their_field(signed_in, changes, field):
    response = create(signed_in, **changes)
    assert response.status_code == 400, response.json
    assert list(response.json["fields"]) == [field], response.json


def test_each_kind_is_taken_and_answered_with_its_fields(signed_in):
    answers = {name: create(signed_in, **fields) for name, fields in KINDS.items()}
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(KINDS, 201)
    hours = answers["every_hours"].json["regimens"][0]
    assert (hours["schedule_kind"], hours["times"], hours["interval_hours"]) == (
        "every_hours", ["06:00", "14:00", "22:00"], 8)
    cycle = answers["cycle"].json["regimens"][0]
    assert (cycle["cycle_on_days"], cycle["cycle_off_days"], cycle["anchor_on"]) == (
        21, 7, "2026-05-01")
    weekly = answers["weekday_amounts"].json["regimens"][0]
    assert (weekly["amount"], weekly["weekday_amounts"], weekly["amount_words"]) == (
        0.5, {"5": 1.5, "6": 0.25}, "half a tablet")
    needed = answers["as_needed"].json["regimens"][0]
    assert (needed["reason"], needed["min_interval_minutes"], needed["follow_up_minutes"]) \
        == ("when I can't sleep", 240, 60)
    today = signed_in.get("/api/v1/today").json
    times = sorted(d["local_time"] for d in today["doses"]
                   if d["medication"]["name"] == "Lithium" and d["local_time"] != "08:00")
    assert "14:00" in times and "22:00" in times


def test_existing_times_and_weekdays_schedules_read_as_before(signed_in):
    answer = create(signed_in, times=["08:00", "20:00"], weekdays=[0, 2, 4]).json
    (regimen,) = answer["regimens"]
    assert (regimen["schedule_kind"], regimen["times"], regimen["weekdays"]) == (
        "fixed", ["08:00", "20:00"], [0, 2, 4])
    page = html.unescape(signed_in.get("/medications").get_data(as_text=True))
    assert "Mon, Wed, and Fri at 8:00\u202fAM and 8:00\u202fPM" in page or \
        "Mon, Wed and Fri at" in page or "at 8:00" in page


def test_the_form_shows_the_fields_of_each_kind_and_saves_an_every_8_hours_schedule(
        client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    page = client.get("/medications/new").get_data(as_text=True)
    for kind in ("every_hours", "every_days", "cycle", "as_needed"):
        assert f'value="{kind}"' in page and f'data-schedule="' in page
    response = client.post("/medications/new", data={
        "csrf_token": csrf_token(client, "/medications/new"), "name": "Amoxicillin",
        "form": "capsule", "kind": "prescribed", "amount": "1", "schedule": "every_hours",
        "first_time": "06:00", "last_time": "22:00", "interval_hours": "8",
        "weekdays": [str(d) for d in range(7)], "started_on": "2026-05-06",
        "strength_unit": "mg"})
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[:3000]
    text = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Every 8 hours from" in text
    today = html.unescape(client.get("/today").get_data(as_text=True))
    assert today.count("Amoxicillin") >= 2  # 14:00 and 22:00 are still ahead today


def test_an_as_needed_dose_asks_did_it_help_on_today_and_through_a_follow_up_reminder(
        signed_in, alice, clock):
    med = create(signed_in, **KINDS["as_needed"]).json
    client_user = db.session.get(User, alice.id)
    db.session.add(PushSubscription(user_id=alice.id, endpoint="https://push.example/1",
                                    p256dh="k", auth="a"))
    db.session.commit()
    taken = signed_in.post("/api/v1/doses", json={
        "medication_id": med["id"], "status": "taken", "idempotency_key": str(uuid.uuid4())},
        headers=signed_in.headers)
    assert taken.status_code == 201 and taken.json["sooner_than_planned_after"] is None
    sooner = signed_in.post("/api/v1/doses", json={
        "medication_id": med["id"], "status": "taken", "idempotency_key": str(uuid.uuid4()),
        "taken_at": (NOW + timedelta(hours=1)).isoformat()}, headers=signed_in.headers)
    clock.set(NOW + timedelta(hours=1))
    sooner = signed_in.post("/api/v1/doses", json={
        "medication_id": med["id"], "status": "taken", "idempotency_key": str(uuid.uuid4())},
        headers=signed_in.headers)
    assert sooner.status_code == 201
    assert sooner.json["sooner_than_planned_after"] == taken.json["occurred_at"]

    planner.plan_for_client(db.session, client_user, None, NOW)
    db.session.commit()
    reminders = db.session.scalars(select(Reminder).where(
        Reminder.kind == ReminderKind.FOLLOW_UP)).all()
    assert sorted(r.due_at for r in reminders) == [NOW + timedelta(hours=1),
                                                   NOW + timedelta(hours=2)]
    first = next(r for r in reminders if r.dose_event_id == taken.json["id"])
    assert follow_up.still_wanted(db.session, [first], NOW) == {first.id}

    page = html.unescape(signed_in.get("/today").get_data(as_text=True))
    assert "Did it help?" in page and f"follow-up-{taken.json['id']}" in page
    signed_in.post(f"/doses/{taken.json['id']}/helped", data={
        "csrf_token": csrf_token(signed_in, "/today"), "helped": "a_little"})
    answered = signed_in.get("/today").get_data(as_text=True)
    assert "Your answer is saved with the dose." in answered
    assert f"follow-up-{taken.json['id']}" not in answered
    event = db.session.get(DoseEvent, taken.json["id"])
    assert event.helped == "a_little"
    db.session.expire_all()
    assert follow_up.still_wanted(db.session, [db.session.get(Reminder, first.id)], NOW) == set()
    bad = signed_in.post(f"/api/v1/doses/{sooner.json['id']}/helped", json={"helped": "maybe"},
                         headers=signed_in.headers)
    assert bad.status_code == 400 and list(bad.json["fields"]) == ["helped"]
    good = signed_in.post(f"/api/v1/doses/{sooner.json['id']}/helped", json={"helped": "yes"},
                          headers=signed_in.headers)
    assert good.status_code == 200 and good.json["helped"] == "yes"


def test_fhir_states_each_kinds_timing_and_dose_and_validates(signed_in):
    for fields in KINDS.values():
        assert create(signed_in, **fields).status_code == 201
    bundle = signed_in.get("/my-data/tend-fhir.json").json
    Bundle.model_validate(bundle) if hasattr(Bundle, "model_validate") else Bundle.parse_obj(
        bundle)
    dosages = [d for e in bundle["entry"] if e["resource"]["resourceType"] ==
               "MedicationStatement" for d in e["resource"]["dosage"]]
    repeats = [d.get("timing", {}).get("repeat", {}) for d in dosages]
    assert {"frequency": 1, "period": 8, "periodUnit": "h",
            "timeOfDay": ["06:00:00", "14:00:00", "22:00:00"]} in repeats
    assert any(r.get("period") == 3 and r.get("periodUnit") == "d" and
               r["boundsPeriod"] == {"start": "2026-05-01"} for r in repeats)
    cycle = next(d for d in dosages if d.get("timing", {}).get("extension"))
    assert cycle["timing"]["code"]["text"] == "21 days on, 7 days off"
    amounts = sorted((d["doseAndRate"][0]["doseQuantity"]["value"],
                      tuple(d["timing"]["repeat"].get("dayOfWeek", ())))
                     for d in dosages if d.get("patientInstruction") == "half a tablet")
    assert amounts == [(0.25, ("sun",)), (0.5, ("mon", "tue", "wed", "thu", "fri")),
                       (1.5, ("sat",))]
    needed = next(d for d in dosages if d.get("asNeededCodeableConcept"))
    assert needed["asNeededCodeableConcept"]["text"] == "when I can't sleep"
    assert needed["maxDosePerPeriod"]["numerator"]["value"] == 2


def test_schedule_fields_survive_export_and_import_into_a_new_account(signed_in, alice, clock):
    for fields in KINDS.values():
        assert create(signed_in, **fields).status_code == 201
    med = db.session.scalars(select(Regimen).where(Regimen.as_needed)).one().medication_id
    taken = signed_in.post("/api/v1/doses", json={
        "medication_id": med, "status": "taken", "idempotency_key": str(uuid.uuid4())},
        headers=signed_in.headers).json
    signed_in.post(f"/api/v1/doses/{taken['id']}/helped", json={"helped": "no"},
                   headers=signed_in.headers)
    before = record_snapshot(alice.id)
    payload = _download_zip(signed_in)
    signed_in.post("/logout", data={"csrf_token": csrf_token(signed_in, "/my-data")})
    newcomer = make_person("alice.moved@example.org", "Alice", Role.CLIENT, tz="UTC")
    login(signed_in, newcomer)
    response = signed_in.post("/my-data/import", data={
        "csrf_token": csrf_token(signed_in, "/my-data"),
        "file": (io.BytesIO(payload), "tend-export.zip")}, content_type="multipart/form-data")
    assert "Your record is here now." in response.get_data(as_text=True), \
        html.unescape(response.get_data(as_text=True))[-1500:]
    after = record_snapshot(newcomer.id)
    for name in ("regimens", "dose_events"):
        assert after[name] == before[name], name
    kinds = {r["schedule_kind"] for r in after["regimens"]}
    assert kinds == {"fixed", "every_hours", "every_days", "cycle"}
    assert {r["helped"] for r in after["dose_events"]} == {"no"}
