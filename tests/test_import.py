"""Importing a Tend export: every row checked before anything is written, limits on what a
file may hold, and crafted files refused with a message that says where (file, row, field),
never an error page and never a broken account."""
import html
import io
import json
import struct
import zipfile
import zlib
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from models import Checkpoint, User, db
from tend.services import export, importing
from tests.conftest import csrf_token, login

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)
OLD_ID = 7  # the account's id on the server that made the file

# Pages that read what an import brings (the review found each broken by one crafted file).
PAGES = ["/today", "/medications", "/history", "/sharing/log", "/account", "/my-data",
         "/my-data/tend-fhir.json", "/insights", "/experiments", "/appointment"]


def valid_document() -> dict:
    """A small export as Tend writes it: one medication with a schedule, a dose, a check-in,
    a side effect, an experiment with a completed checkpoint and an access-log entry."""
    return {"format": "tend-export", "version": 1, "exported_at": "2026-03-31T10:00:00+00:00",
            "account": {"display_name": "Alice", "email": "alice@old.example.org",
                        "timezone": "Europe/London", "locale": "en",
                        "created_at": "2026-01-01T09:00:00+00:00"},
            "kinds": {
                "medications": [{
                    "id": 11, "client_id": OLD_ID, "name": "Sertraline", "form": "tablet",
                    "kind": "prescribed", "purpose": "", "prescriber": "",
                    "started_on": "2026-03-01", "ended_on": None, "end_reason": "",
                    "status": "active", "units_on_hand": "30.00", "idempotency_key": None,
                    "created_at": "2026-03-01T09:00:00+00:00"}],
                "regimens": [{
                    "id": 21, "medication_id": 11, "change": "start",
                    "valid_from": "2026-03-01T00:00:00+00:00", "valid_to": None,
                    "strength": "50.000", "strength_unit": "mg", "amount": "1.00",
                    "as_needed": False, "max_per_day": None, "times": ["08:00", "20:00"],
                    "weekdays": [0, 1, 2, 3, 4, 5, 6], "note": "",
                    "planned_through": "2026-03-02"}],
                "planned_doses": [{
                    "id": 31, "client_id": OLD_ID, "medication_id": 11, "regimen_id": 21,
                    "local_date": "2026-03-02", "local_time": "08:00:00",
                    "timezone": "Europe/London", "due_at": "2026-03-02T08:00:00+00:00"}],
                "dose_events": [{
                    "id": 41, "client_id": OLD_ID, "medication_id": 11, "planned_dose_id": 31,
                    "status": "taken", "occurred_at": "2026-03-02T08:05:00+00:00",
                    "timezone": "Europe/London", "skip_reason": None, "amount": "1.00",
                    "note": "", "logged_at": "2026-03-02T08:05:00+00:00",
                    "logged_by_id": 99, "idempotency_key": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}],
                "side_effects": [{
                    "id": 51, "client_id": OLD_ID, "symptom": "Nausea", "severity": "mild",
                    "started_on": "2026-03-03", "ended_on": None, "note": "",
                    "idempotency_key": None, "created_at": "2026-03-03T10:00:00+00:00"}],
                "side_effect_medications": [{"side_effect_id": 51, "medication_id": 11}],
                "checkins": [{
                    "id": 61, "client_id": OLD_ID, "local_date": "2026-03-02",
                    "sleep_hours": "7.5", "sleep_quality": 4, "energy": 3, "mood": 4,
                    "work": None, "relationships": None, "self_care": None, "note": "",
                    "idempotency_key": None, "created_at": "2026-03-02T20:00:00+00:00",
                    "updated_at": "2026-03-02T20:00:00+00:00",
                    "field_changed_at": {"mood": "2026-03-02T20:00:00+00:00"}}],
                "experiments": [{
                    "id": 71, "client_id": OLD_ID, "medication_id": 11, "kind": "start",
                    "title": "Starting", "changed_on": "2026-03-01", "hopes": "Steadier",
                    "worries": "", "measures": ["mood", "side_effect:nausea"],
                    "baseline_days": 7, "created_at": "2026-03-01T09:00:00+00:00",
                    "ended_at": None}],
                "experiment_checkpoints": [{
                    "id": 81, "experiment_id": 71, "due_on": "2026-03-08", "verdict": "unsure",
                    "reflection": "", "next_step": "", "completed_at": "2026-03-08T09:00:00+00:00",
                    "figures": {"window_days": 7, "measures": [{
                        "measure": "mood",
                        "before": {"first": "2026-02-22", "last": "2026-02-28", "days": 7,
                                   "logged": 0, "average": None},
                        "after": {"first": "2026-03-01", "last": "2026-03-07", "days": 7,
                                  "logged": 1, "average": 4.0}}]}}],
                "access_log": [{
                    "id": 91, "client_id": OLD_ID, "viewer_id": 98, "viewer_name": "Dr Lee",
                    "action": "view", "categories": ["sleep", "mood"], "page": "care.client",
                    "detail": "", "at": "2026-03-05T10:00:00+00:00"}],
            }}


def post_import(client, payload: bytes, filename: str = "tend.json"):
    return client.post("/my-data/import", data={
        "csrf_token": csrf_token(client, "/my-data"),
        "file": (io.BytesIO(payload), filename)}, content_type="multipart/form-data")


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def records_of(user_id: int) -> int:
    """How many rows of the client's record exist (every importable kind)."""
    return sum(len(export.rows_of(db.session, kind, user_id))
               for kind in export.KINDS if kind.importable)


def assert_every_page_answers(client) -> None:
    experiments = db.session.execute(sa.select(Checkpoint.experiment_id, Checkpoint.id)).all()
    for path in PAGES + [f"/experiments/{e}/checkpoints/{c}" for e, c in experiments]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


def zipped(name: str, body: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, body)
    return buffer.getvalue()


def test_the_valid_document_imports_and_every_page_answers(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    response = post_import(client, json.dumps(valid_document()).encode())
    assert response.status_code == 200, page_text(response)[:3000]
    assert "Your record is here now." in page_text(response)
    assert records_of(alice.id) == 10
    assert_every_page_answers(client)


def _set(path: str, value):
    """A change to the valid document: ``kinds.<kind>.<row>.<field>`` or ``account.<field>``."""
    def change(document):
        parts = path.split(".")
        target = document
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        target[parts[-1]] = value
        return document
    return change


# (what the review sent, the change, what the message must say)
CRAFTED_ROWS = [
    ("regimen times as a string", _set("kinds.regimens.0.times", "08:00"),
     ["regimens", "row 1", "times"]),
    ("regimen times not HH:MM", _set("kinds.regimens.0.times", ["8 o'clock"]),
     ["regimens", "row 1", "times"]),
    ("weekday out of range", _set("kinds.regimens.0.weekdays", [0, 9]),
     ["regimens", "row 1", "weekdays"]),
    ("unknown access-log category", _set("kinds.access_log.0.categories", ["everything"]),
     ["access_log", "row 1", "categories"]),
    ("mood as text", _set("kinds.checkins.0.mood", "great"), ["checkins", "row 1", "mood"]),
    ("mood off the scale", _set("kinds.checkins.0.mood", 9), ["checkins", "row 1", "mood"]),
    ("sleep of 25 hours", _set("kinds.checkins.0.sleep_hours", "25"),
     ["checkins", "row 1", "sleep_hours"]),
    ("object in a text column", _set("kinds.medications.0.name", {"$gt": ""}),
     ["medications", "row 1", "name"]),
    ("text longer than the form allows", _set("kinds.medications.0.name", "x" * 121),
     ["medications", "row 1", "name", "at most 120"]),
    ("naive datetime", _set("kinds.regimens.0.valid_from", "2026-03-01T00:00:00"),
     ["regimens", "row 1", "valid_from"]),
    ("unknown time zone", _set("kinds.dose_events.0.timezone", "Mars/Olympus"),
     ["dose_events", "row 1", "timezone"]),
    ("unknown severity", _set("kinds.side_effects.0.severity", "unbearable"),
     ["side_effects", "row 1", "severity"]),
    ("a number as a boolean", _set("kinds.regimens.0.as_needed", 1),
     ["regimens", "row 1", "as_needed"]),
    ("amount of a million", _set("kinds.regimens.0.amount", "1000000"),
     ["regimens", "row 1", "amount"]),
    ("reference to a row not in the file", _set("kinds.dose_events.0.medication_id", 12345),
     ["dose_events", "row 1", "medication_id"]),
    ("a row of another account", _set("kinds.checkins.0.client_id", OLD_ID + 1),
     ["checkins", "row 1", "client_id"]),
    ("day out of the calendar", _set("kinds.side_effects.0.started_on", "2026-02-30"),
     ["side_effects", "row 1", "started_on"]),
    ("not an idempotency key", _set("kinds.dose_events.0.idempotency_key", "'; drop"),
     ["dose_events", "row 1", "idempotency_key"]),
    ("figures of another shape", _set("kinds.experiment_checkpoints.0.figures",
                                      {"window_days": "seven", "measures": {}}),
     ["experiment_checkpoints", "row 1", "figures"]),
    ("an unknown measure", _set("kinds.experiments.0.measures", ["happiness"]),
     ["experiments", "row 1", "measures"]),
    ("a row that is not an object", _set("kinds.questions", ["What?"]),
     ["questions", "row 1"]),
    ("a kind that is not a list", _set("kinds.questions", {"text": "What?"}), ["questions"]),
]


@pytest.mark.parametrize("change, expected", [c[1:] for c in CRAFTED_ROWS],
                         ids=[c[0] for c in CRAFTED_ROWS])
def test_a_crafted_value_is_refused_naming_file_row_and_field(client, alice, clock, change,
                                                              expected):
    clock.set(NOW)
    login(client, alice)
    response = post_import(client, json.dumps(change(valid_document())).encode(),
                           "my-export.json")
    assert response.status_code == 400
    text = page_text(response)
    for words in ["my-export.json", *expected, "Nothing was imported"]:
        assert words in text, words
    assert records_of(alice.id) == 0


def test_sleep_of_1e400_hours_is_refused(client, alice, clock):
    """JSON reads 1e400 as infinity: no number field accepts it."""
    clock.set(NOW)
    login(client, alice)
    body = json.dumps(valid_document()).replace('"sleep_hours": "7.5"', '"sleep_hours": 1e400')
    response = post_import(client, body.encode())
    assert response.status_code == 400
    assert "checkins, row 1, “sleep_hours”" in page_text(response)
    assert records_of(alice.id) == 0


def test_an_unsupported_language_is_not_taken_and_the_account_keeps_working(client, alice,
                                                                            clock):
    clock.set(NOW)
    login(client, alice)
    document = _set("account.locale", "xx_BOGUS_1")(valid_document())
    response = post_import(client, json.dumps(document).encode())
    assert response.status_code == 200, page_text(response)[:3000]
    assert "isn't available on this server" in page_text(response)
    assert db.session.get(User, alice.id).locale == "en"
    assert_every_page_answers(client)


def test_a_stored_unsupported_language_falls_back_to_the_default(client, alice):
    """An account broken before imports were checked still opens every page."""
    db.session.get(User, alice.id).locale = "xx_BOGUS_1"
    db.session.commit()
    login(client, alice)
    assert_every_page_answers(client)


def test_deep_nesting_is_refused(client, alice):
    login(client, alice)
    body = json.dumps(valid_document()).replace(
        '"field_changed_at": {', '"field_changed_at": ' + "[" * 200000 + "]" * 200000 + ', "x": {')
    response = post_import(client, body.encode())
    assert response.status_code == 400
    assert "nested too deeply" in page_text(response)
    assert records_of(alice.id) == 0


def _with_bad_crc(archive: bytes) -> bytes:
    """The ZIP with one byte of the compressed data changed: its CRC no longer matches."""
    start = 30 + struct.unpack("<H", archive[26:28])[0] + struct.unpack("<H", archive[28:30])[0]
    damaged = bytearray(archive)
    damaged[start + 5] ^= 0x01
    return bytes(damaged)


def _with_forged_size(archive: bytes, size: int) -> bytes:
    """The ZIP whose headers claim ``size`` bytes unpacked, whatever the data holds."""
    damaged = bytearray(archive)
    damaged[22:26] = struct.pack("<I", size)  # local header
    central = archive.rfind(b"PK\x01\x02")
    damaged[central + 24:central + 28] = struct.pack("<I", size)
    return bytes(damaged)


def _bomb() -> bytes:
    """Under the upload limit packed, and under the unpacked limit too, but far more rows
    than ten years of use make: the file that held the review's write lock for 87 s."""
    rows = [{"id": n, "client_id": OLD_ID, "local_date": "2026-01-01", "created_at": None}
            for n in range(300000)]
    document = valid_document()
    document["kinds"]["checkins"] = rows
    return zipped("tend.json", json.dumps(document).encode())


@pytest.mark.parametrize("make, message", [
    (lambda: _with_bad_crc(zipped("tend.json", json.dumps(valid_document()).encode())),
     "damaged"),
    (lambda: _with_forged_size(zipped("tend.json", json.dumps(valid_document()).encode()), 100),
     "damaged"),
    (lambda: _with_forged_size(zipped("tend.json", json.dumps(valid_document()).encode()),
                               2**32 - 1), "too large"),
    (_bomb, "rows, more than the 3,660 that ten years of heavy use make"),
], ids=["bad CRC", "forged small size", "forged large size", "zip bomb"])
def test_a_damaged_or_oversized_zip_is_refused(client, alice, make, message):
    login(client, alice)
    payload = make()
    assert len(payload) < 2 * 1024 * 1024
    response = post_import(client, payload, "tend-export.zip")
    assert response.status_code == 400
    assert message in page_text(response)
    assert "tend-export.zip" in page_text(response)
    assert records_of(alice.id) == 0


def test_more_rows_than_ten_years_of_heavy_use_are_refused(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    document = valid_document()
    limit = importing.ROW_LIMITS["checkins"]
    document["kinds"]["checkins"] = [
        dict(document["kinds"]["checkins"][0], id=n, local_date=f"{1990 + n // 365}-01-01",
             field_changed_at={}) for n in range(limit + 1)]
    response = post_import(client, json.dumps(document).encode())
    assert response.status_code == 400
    assert f"checkins: {limit + 1:,} rows, more than the {limit:,}" in page_text(response)
    assert records_of(alice.id) == 0


def test_two_rows_for_one_day_are_refused_before_anything_is_written(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    document = valid_document()
    document["kinds"]["checkins"].append(dict(document["kinds"]["checkins"][0], id=62))
    response = post_import(client, json.dumps(document).encode())
    assert response.status_code == 400
    assert "checkins, row 2" in page_text(response)
    assert "row 1" in page_text(response)
    assert records_of(alice.id) == 0


def test_a_failure_while_writing_removes_what_was_written(client, alice, clock, monkeypatch):
    """Rows go in in short transactions; when one fails, the ones before it are taken out
    again, so the account is as empty as before and can import again."""
    clock.set(NOW)
    login(client, alice)
    written = []
    real = importing.insert_batch

    def fail_on_the_fourth(db_session, kind, rows):
        if len(written) == 3:
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        written.append(kind.name)
        return real(db_session, kind, rows)

    monkeypatch.setattr(importing, "insert_batch", fail_on_the_fourth)
    response = post_import(client, json.dumps(valid_document()).encode())
    assert response.status_code == 400
    assert "couldn't finish" in page_text(response)
    assert written == ["medications", "regimens", "planned_doses"]
    assert records_of(alice.id) == 0
    assert db.session.get(User, alice.id).import_started_at is None
    monkeypatch.undo()
    assert post_import(client, json.dumps(valid_document()).encode()).status_code == 200
    assert records_of(alice.id) == 10


def test_an_import_cut_off_half_way_is_removed_when_the_client_comes_back(client, alice,
                                                                          clock):
    """A worker killed mid-import (gunicorn's time-out, a restart) leaves its claim on the
    account: once that is older than any import can take, the next page removes what it
    wrote."""
    clock.set(NOW)
    user = db.session.get(User, alice.id)
    checked = importing.check_upload("tend.json", json.dumps(valid_document()).encode(),
                                     locales=["en"], now=NOW)
    importing.claim(db.session, user, NOW)
    for kind, batch in list(importing.batches(checked))[:3]:  # then the process dies
        importing.write_batch(db.session, checked, kind, batch, user)
    assert records_of(alice.id) > 0
    login(client, alice)
    assert "being imported" in page_text(client.get("/my-data"))
    clock.advance(seconds=importing.IMPORT_LEASE.total_seconds() + 1)
    page = page_text(client.get("/today"))
    assert "An import into this account stopped before it finished" in page
    assert records_of(alice.id) == 0
    assert db.session.get(User, alice.id).import_started_at is None
    assert post_import(client, json.dumps(valid_document()).encode()).status_code == 200
