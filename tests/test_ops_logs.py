"""Structured logs: one JSON line per request that says how it went and nothing about anyone."""
import json
import logging
import uuid

import pytest

from tend.ops.logs import EVENT_LOGGER, REQUEST_LOGGER, JSONFormatter, log_event
from tend.reminders.worker import ReminderWorker
from tests.conftest import api_headers, login
from tests.push_receiver import PushReceiver
from tests.records import add_medication
from tests.reminder_helpers import add_medication as add_medication_at
from tests.reminder_helpers import at, subscribe


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="tend")

    def lines():
        formatter = JSONFormatter()
        return [json.loads(formatter.format(record)) for record in caplog.records
                if record.name == REQUEST_LOGGER]
    return lines


def test_it_logs_one_json_line_per_request_with_route_status_and_duration(client, request_lines):
    client.get("/healthz")
    client.get("/no-such-page")
    first, second = request_lines()
    assert first["event"] == "request"
    assert (first["method"], first["endpoint"], first["route"], first["status"]) == (
        "GET", "ops.healthz", "/healthz", 200)
    assert first["duration_ms"] > 0
    assert (second["endpoint"], second["route"], second["status"]) == (None, None, 404)


def test_it_logs_no_e_mails_passwords_query_strings_or_what_was_sent(client, alice,
                                                                    request_lines, caplog):
    login(client, alice)
    client.get("/healthz?email=alice@example.com&note=felt+dizzy")
    response = client.patch("/api/v1/me", headers=api_headers(client, "/account"),
                            json={"display_name": "Alice Private", "timezone": "Europe/Paris"})
    assert response.status_code == 200
    logged = caplog.text + json.dumps(request_lines())
    for secret in ("alice@example.com", alice.password, "dizzy", "Alice Private", "Paris"):
        assert secret not in logged
    assert {line["route"] for line in request_lines()} >= {"/login", "/healthz", "/api/v1/me"}


def test_a_logged_dose_leaves_only_its_route_in_the_log(client, alice, clock, request_lines,
                                                        caplog):
    med = add_medication(alice, clock(), name="Lithium", as_needed=True)
    login(client, alice)
    response = client.post("/api/v1/doses", headers=api_headers(client, "/account"), json={
        "idempotency_key": str(uuid.uuid4()), "medication_id": med.id,
        "planned_dose_id": None, "status": "taken", "note": "shaky hands today"})
    assert response.status_code == 201
    line = request_lines()[-1]
    assert (line["route"], line["status"]) == ("/api/v1/doses", 201)
    logged = caplog.text + json.dumps(request_lines())
    assert "Lithium" not in logged
    assert "shaky" not in logged


def test_it_logs_a_request_refused_before_the_view_runs(client, alice, request_lines):
    client.post("/login", data={"email": alice.email, "password": "x", "csrf_token": "wrong"})
    line = request_lines()[-1]
    assert (line["route"], line["status"]) == ("/login", 400)
    assert line["duration_ms"] is not None


def test_a_worker_event_is_one_json_line_with_its_counts(caplog):
    caplog.set_level(logging.INFO, logger="tend")
    log_event("reminder_batch", claimed=40, sent=39, failed=1, duration_ms=812.5)
    line = json.loads(JSONFormatter().format(caplog.records[-1]))
    assert line["event"] == "reminder_batch"
    assert (line["claimed"], line["sent"], line["failed"]) == (40, 39, 1)
    assert line["ts"].endswith("Z")


def test_a_reminder_worker_logs_one_line_per_batch_with_counts_only(app, clock, alice, caplog):
    clock.set(at(7, 0))
    add_medication_at(alice, clock(), name="Lithium")
    with PushReceiver(clock=clock) as receiver:
        device = receiver.subscribe()
        subscribe(alice, device, clock())
        clock.set(at(8, 0, 20))
        caplog.set_level(logging.INFO, logger="tend")
        worker = ReminderWorker(app, now=clock)
        worker.tick()
        worker.tick()  # nothing more is due: no line
        worker.dispatcher.close()
        assert len(receiver.deliveries_for(device)) == 1

    formatter = JSONFormatter()
    [line] = [json.loads(formatter.format(record)) for record in caplog.records
              if record.name == EVENT_LOGGER]
    assert line["event"] == "reminder_batch"
    assert line["sends"] == 1
    assert line["duration_ms"] > 0
    assert line["worker"] == worker.dispatcher.worker
    assert "Lithium" not in caplog.text and alice.email not in caplog.text
