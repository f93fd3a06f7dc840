"""The client-record API: rules a client relies on and input an attacker might send."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models import CheckIn, DoseEvent, Medication, Regimen, SideEffect, db
from tests.conftest import api_headers, login
from tests.records import add_medication

UTC = timezone.utc
NOW = datetime(2026, 5, 6, 9, 0, tzinfo=UTC)  # 10:00 in London


@pytest.fixture
def signed_in(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    client.headers = api_headers(client, "/today")
    return client


def post(client, path, body):
    return client.post(path, json=body, headers=client.headers)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def medication_body(**changes):
    body = {"name": "Lamotrigine", "form": "tablet", "kind": "prescribed", "strength": 25,
            "strength_unit": "mg", "amount": 1, "schedule": "fixed", "times": ["08:00", "20:00"],
            "weekdays": [0, 1, 2, 3, 4, 5, 6], "started_on": "2026-05-01",
            "idempotency_key": str(uuid.uuid4())}
    body.update(changes)
    return body


def test_it_adds_a_medication_once_per_idempotency_key(signed_in):
    body = medication_body()
    first = post(signed_in, "/api/v1/medications", body)
    again = post(signed_in, "/api/v1/medications", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json == again.json
    assert first.json["times"] == ["08:00", "20:00"] and first.json["strength"] == 25
    assert count(Medication) == 1


def test_today_lists_the_days_doses_in_time_order(signed_in, alice):
    add_medication(alice, NOW, name="Evening med", times=["21:00"])
    add_medication(alice, NOW, name="Morning med", times=["07:30"])
    today = signed_in.get("/api/v1/today").json
    assert today["date"] == "2026-05-06" and today["timezone"] == "Europe/London"
    assert [(d["medication"]["name"], d["local_time"], d["status"]) for d in today["doses"]] == [
        ("Morning med", "07:30", "late"), ("Evening med", "21:00", "upcoming")]
    assert today["checkin_done"] is False


def test_it_logs_a_dose_once_per_key_and_counts_down_supply(signed_in, alice):
    med = add_medication(alice, NOW, times=["08:00"], units_on_hand=10)
    dose_id = signed_in.get("/api/v1/today").json["doses"][0]["id"]
    body = {"idempotency_key": str(uuid.uuid4()), "medication_id": med.id,
            "planned_dose_id": dose_id, "status": "taken"}
    first = post(signed_in, "/api/v1/doses", body)
    again = post(signed_in, "/api/v1/doses", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"] and first.json["late"] is True
    assert count(DoseEvent) == 1
    assert signed_in.get(f"/api/v1/medications/{med.id}").json["units_on_hand"] == 9
    other_key = dict(body, idempotency_key=str(uuid.uuid4()))
    conflict = post(signed_in, "/api/v1/doses", other_key)
    assert conflict.status_code == 409 and conflict.json["event"]["id"] == first.json["id"]
    assert count(DoseEvent) == 1


def test_undo_removes_the_dose_and_gives_supply_back(signed_in, alice):
    med = add_medication(alice, NOW, times=["08:00"], units_on_hand=10)
    dose_id = signed_in.get("/api/v1/today").json["doses"][0]["id"]
    event = post(signed_in, "/api/v1/doses", {"medication_id": med.id, "status": "taken",
                                              "planned_dose_id": dose_id}).json
    assert signed_in.delete(f"/api/v1/doses/{event['id']}",
                            headers=signed_in.headers).status_code == 204
    assert signed_in.get("/api/v1/today").json["doses"][0]["status"] == "late"
    assert signed_in.get(f"/api/v1/medications/{med.id}").json["units_on_hand"] == 10


def test_missed_late_skipped_and_taken_are_told_apart(signed_in, alice, clock):
    med = add_medication(alice, NOW - timedelta(days=1), times=["08:00", "12:00", "18:00"],
                         tracking_from=datetime(2026, 5, 4, 23, 0, tzinfo=UTC))
    yesterday = signed_in.get("/api/v1/today?date=2026-05-05").json["doses"]
    today = signed_in.get("/api/v1/today").json["doses"]
    assert [d["status"] for d in yesterday] == ["missed", "missed", "missed"]
    assert [d["status"] for d in today] == ["late", "upcoming", "upcoming"]
    skipped = post(signed_in, "/api/v1/doses", {
        "medication_id": med.id, "planned_dose_id": yesterday[0]["id"], "status": "skipped",
        "skip_reason": "side_effects"})
    assert skipped.status_code == 201 and skipped.json["skip_reason"] == "side_effects"
    clock.set(NOW + timedelta(hours=1, minutes=50))  # (stay within the idle time-out)
    signed_in.get("/api/v1/today")
    clock.set(NOW + timedelta(hours=2, minutes=45))  # 12:45 local
    statuses = [d["status"] for d in signed_in.get("/api/v1/today").json["doses"]]
    assert statuses == ["late", "due", "upcoming"]
    clock.set(NOW + timedelta(hours=4))
    signed_in.get("/api/v1/today")
    clock.set(NOW + timedelta(hours=5))  # 15:00 local: the 08:00 dose is 7 hours old
    assert signed_in.get("/api/v1/today").json["doses"][0]["status"] == "missed"
    doses = signed_in.get("/api/v1/today?date=2026-05-05").json["doses"]
    assert [d["status"] for d in doses] == ["skipped", "missed", "missed"]


def test_as_needed_over_the_daily_maximum_is_pointed_out_not_refused(signed_in, alice):
    med = add_medication(alice, NOW, name="Ibuprofen", times=[], as_needed=True, max_per_day=2)
    results = [post(signed_in, "/api/v1/doses", {"medication_id": med.id, "status": "taken",
                                                 "note": "headache"}) for _ in range(3)]
    assert [r.status_code for r in results] == [201, 201, 201]
    assert [r.json["over_daily_max"] for r in results] == [False, False, True]
    assert [m["name"] for m in signed_in.get("/api/v1/today").json["as_needed"]] == ["Ibuprofen"]


def test_a_dose_change_is_a_new_version_with_its_date(signed_in, alice, clock):
    med = add_medication(alice, NOW, times=["08:00"], strength=50)
    changed = post(signed_in, f"/api/v1/medications/{med.id}/changes", {
        "strength": 100, "strength_unit": "mg", "amount": 1, "schedule": "fixed",
        "times": ["09:00"], "weekdays": list(range(7)), "effective_on": "2026-05-07",
        "note": "Agreed with my psychiatrist"})
    assert changed.status_code == 200
    versions = changed.json["regimens"]
    assert [(v["change"], v["strength"], v["times"]) for v in versions] == [
        ("start", 50.0, ["08:00"]), ("change", 100.0, ["09:00"])]
    assert versions[0]["valid_to"] == versions[1]["valid_from"] == "2026-05-06T23:00:00Z"
    assert count(Regimen) == 2
    today = signed_in.get("/api/v1/today").json["doses"]
    tomorrow = signed_in.get("/api/v1/today?date=2026-05-07").json["doses"]
    assert [d["local_time"] for d in today] == ["08:00"]
    assert [d["local_time"] for d in tomorrow] == ["09:00"]


def test_pause_resume_and_stop_are_explicit(signed_in, alice):
    med = add_medication(alice, NOW, times=["20:00"])
    assert post(signed_in, f"/api/v1/medications/{med.id}/pause", {}).json["status"] == "paused"
    assert signed_in.get("/api/v1/today").json["doses"] == []
    assert post(signed_in, f"/api/v1/medications/{med.id}/pause", {}).status_code == 409
    assert post(signed_in, f"/api/v1/medications/{med.id}/resume", {}).json["status"] == "active"
    assert [d["local_time"] for d in signed_in.get("/api/v1/today").json["doses"]] == ["20:00"]
    stopped = post(signed_in, f"/api/v1/medications/{med.id}/stop",
                   {"ended_on": "2026-05-06", "reason": "Side effects outweighed the benefit"})
    assert stopped.json["status"] == "stopped" and stopped.json["ended_on"] == "2026-05-06"
    assert signed_in.get("/api/v1/today").json["doses"] == []


def test_one_checkin_per_day_a_second_updates_it(signed_in):
    first = post(signed_in, "/api/v1/checkins", {"date": "2026-05-06", "mood": 3,
                                                 "sleep_hours": 7.5})
    second = post(signed_in, "/api/v1/checkins", {"date": "2026-05-06", "mood": 4})
    earlier = post(signed_in, "/api/v1/checkins", {"date": "2026-05-01", "energy": 2})
    assert (first.status_code, second.status_code, earlier.status_code) == (201, 200, 201)
    assert second.json["id"] == first.json["id"] and second.json["mood"] == 4
    assert count(CheckIn) == 2
    assert signed_in.get("/api/v1/today").json["checkin_done"] is True


def test_side_effects_with_suspected_medications(signed_in, alice):
    med = add_medication(alice, NOW)
    key = str(uuid.uuid4())
    body = {"symptom": "chest pain", "severity": "severe", "medication_ids": [med.id],
            "started_on": "2026-05-05", "idempotency_key": key}
    first = post(signed_in, "/api/v1/side-effects", body)
    again = post(signed_in, "/api/v1/side-effects", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["medication_ids"] == [med.id] and first.json["red_flag"] is True
    assert count(SideEffect) == 1


def test_a_medication_named_twice_as_suspected_is_linked_once(signed_in, alice):
    med = add_medication(alice, NOW)
    answer = post(signed_in, "/api/v1/side-effects", {
        "symptom": "nausea", "severity": "mild", "medication_ids": [med.id, med.id],
        "started_on": "2026-05-05", "idempotency_key": str(uuid.uuid4())})
    assert answer.status_code == 201, answer.get_data(as_text=True)[:300]
    assert answer.json["medication_ids"] == [med.id]


BAD_INPUT = [
    ("/api/v1/medications", medication_body(amount=-1), "amount",
     "Enter an amount above 0 and at most 100."),
    ("/api/v1/medications", medication_body(amount=5000), "amount",
     "Enter an amount above 0 and at most 100."),
    ("/api/v1/medications", medication_body(name="x" * 121), "name",
     "Use at most 120 characters."),
    ("/api/v1/medications", medication_body(times=["25:00"]), "times",
     "Enter times like 08:00 or 21:30."),
    ("/api/v1/medications", medication_body(times=[]), "times",
     "Add at least one time, or choose \"As needed\"."),
    ("/api/v1/medications", medication_body(amount="lots"), "amount",
     "Enter an amount, like 1, 0.5 or 1/2."),
    ("/api/v1/medications", medication_body(idempotency_key="not-a-uuid"), "idempotency_key",
     "Use a UUID, like 3f2b6c1e-8d4a-4b9e-9a57-2c1d0e6f7a8b."),
    ("/api/v1/doses", {"medication_id": 999999, "status": "taken"}, "medication_id",
     "Choose one of your medications."),
    ("/api/v1/doses", {"medication_id": "one", "status": "taken"}, "medication_id",
     "Enter a whole number."),
    ("/api/v1/doses", {"medication_id": 1, "status": "taken", "taken_at": {"when": "now"}},
     "taken_at", "This field has the wrong type."),
    ("/api/v1/checkins", {"date": "2026-05-06", "mood": 7}, "mood",
     "Choose a number from 1 to 5."),
    ("/api/v1/checkins", {"date": "2026-05-07", "mood": 3}, "date",
     "That date is in the future. Choose today or earlier."),
    ("/api/v1/checkins", {"date": "2026-05-06", "sleep_hours": -2}, "sleep_hours",
     "Enter hours from 0 to 24."),
    ("/api/v1/checkins", {"date": "2026-05-06", "note": "x" * 1001}, "note",
     "Use at most 1000 characters."),
    ("/api/v1/side-effects", {"symptom": "nausea", "severity": "mild",
                              "started_on": "2026-05-06", "medication_ids": [999999]},
     "medication_ids", "Choose from your own medications."),
    ("/api/v1/side-effects", {"symptom": "nausea", "severity": "apocalyptic",
                              "started_on": "2026-05-06"}, "severity", None),
]


@pytest.mark.parametrize("path, body, field, message", BAD_INPUT)
def test_bad_input_names_the_field_and_saves_nothing(signed_in, path, body, field, message):
    before = [count(m) for m in (Medication, DoseEvent, CheckIn, SideEffect)]
    response = post(signed_in, path, body)
    assert response.status_code == 400, response.json
    assert response.json["error"] == "invalid"
    assert field in response.json["fields"]
    if message:
        assert response.json["fields"][field] == [message]
    assert [count(m) for m in (Medication, DoseEvent, CheckIn, SideEffect)] == before


def test_a_dose_in_the_future_is_refused(signed_in, alice):
    med = add_medication(alice, NOW, as_needed=True, times=[])
    response = post(signed_in, "/api/v1/doses", {
        "medication_id": med.id, "status": "taken", "taken_at": "2026-05-06T12:00:00+00:00"})
    assert response.status_code == 400
    assert response.json["fields"]["taken_at"] == [
        "That time is in the future. Choose a time up to now."]
    assert count(DoseEvent) == 0


def test_a_local_time_without_offset_is_read_in_the_clients_zone(signed_in, alice):
    med = add_medication(alice, NOW, as_needed=True, times=[])
    response = post(signed_in, "/api/v1/doses", {
        "medication_id": med.id, "status": "taken", "taken_at": "2026-05-06T09:15"})
    assert response.json["occurred_at"] == "2026-05-06T08:15:00Z"


def test_nobody_reaches_another_clients_records(app, alice, dave, clock):
    clock.set(NOW)
    med = add_medication(alice, NOW, times=["08:00"])
    mallory = app.test_client()
    login(mallory, dave)
    headers = api_headers(mallory, "/today")
    assert mallory.get(f"/api/v1/medications/{med.id}").status_code == 404
    assert mallory.post("/api/v1/doses", json={"medication_id": med.id, "status": "taken"},
                        headers=headers).json["fields"] == {
        "medication_id": ["Choose one of your medications."]}
    assert mallory.post(f"/api/v1/medications/{med.id}/pause", json={},
                        headers=headers).status_code == 404
    assert count(DoseEvent) == 0


@pytest.mark.parametrize("person", ["bob", "carol"])
def test_supporters_have_no_client_api(client, request, person):
    login(client, request.getfixturevalue(person))
    assert client.get("/api/v1/today").status_code == 403
    assert client.get("/api/v1/medications").status_code == 403
