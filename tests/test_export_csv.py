"""The CSV files of the export, as a person opens them in a spreadsheet program: names rather
than numbers, local times with their zone, no internal keys, and no cell a spreadsheet would
run as a formula."""
import csv
import io
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models import (AccessLogEntry, LogAction, MedicationKind, Role, Severity, TherapistNote,
                    User, db)
from tend.services import export_csv, journal, medications
from tests.conftest import login, make_person
from tests.test_export import NOW, ROOT, _download_zip, build_full_record

FORMULA = re.compile(r"^[=+\-@\t\r]")
# What a crafted name or text looks like when it tries to run in a spreadsheet.
ATTACKS = {
    "therapist": '=HYPERLINK("https://evil.example","Open")',
    "caregiver": "@SUM(1+1)*cmd|' /C calc'!A0",
    "medication": "+cmd|' /C notepad'!A0",
    "note": "-2+3+cmd|' /C calc'!A0",
    "checkin": "=SUM(A1:A9)",
    "symptom": "@A1",
}


@pytest.fixture
def crafted(app, alice):
    """The full record, with supporters' names and the client's own text that would be
    formulas, and a client who has since moved: from London (where the doses were logged) to
    New York."""
    therapist = make_person("t@example.com", ATTACKS["therapist"], Role.THERAPIST)
    caregiver = make_person("c@example.com", ATTACKS["caregiver"], Role.CAREGIVER)
    build_full_record(alice, therapist, caregiver)
    client = db.session.get(User, alice.id)
    medications.create_medication(
        db.session, client, name=ATTACKS["medication"], form="tablet",
        kind=MedicationKind.SUPPLEMENT, spec=medications.RegimenSpec(as_needed=True),
        started_on=date(2026, 3, 2), now=NOW)
    journal.record_side_effect(db.session, client, journal.SideEffectInput(
        symptom=ATTACKS["symptom"], severity=Severity.MILD, started_on=date(2026, 3, 30),
        note=ATTACKS["note"]), NOW)
    journal.save_checkin(db.session, client, date(2026, 3, 31), {"note": ATTACKS["checkin"]},
                         NOW)
    db.session.add_all([
        TherapistNote(therapist_id=therapist.id, therapist_name=therapist.name,
                      client_id=client.id, text=ATTACKS["note"], created_at=NOW),
        AccessLogEntry(client_id=client.id, viewer_id=caregiver.id, viewer_name=caregiver.name,
                       action=LogAction.VIEW, categories=["medications"], page="Overview",
                       at=NOW)])
    client.timezone = "America/New_York"
    db.session.commit()
    return alice


def _files(client) -> dict[str, list[list[str]]]:
    archive = zipfile.ZipFile(io.BytesIO(_download_zip(client)))
    return {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist() if name.startswith("csv/")}


def _rows(files, name: str) -> list[dict]:
    header, *rows = files[f"csv/{name}.csv"]
    return [dict(zip(header, row)) for row in rows]


def test_no_cell_starts_like_a_formula(client, crafted, clock):
    clock.set(NOW)
    login(client, crafted)
    files = _files(client)
    formulas = [(name, cell) for name, rows in files.items() for row in rows for cell in row
                if FORMULA.match(cell)]
    assert formulas == []
    # The text is all there, shown as text (a leading apostrophe, which spreadsheets hide).
    cells = {cell for rows in files.values() for row in rows for cell in row}
    for text in ATTACKS.values():
        assert "'" + text in cells, text


def test_files_name_things_and_give_local_times_with_their_zone(client, crafted, clock):
    clock.set(NOW)
    login(client, crafted)
    files = _files(client)
    for name, (header, *_) in files.items():
        internal = [column for column in header if column == "id" or column.endswith("_id")
                    or column in ("idempotency_key", "invite_code_hash", "planned_through",
                                  "field_changed_at", "figures")]
        assert internal == [], name
    cells = {cell for rows in files.values() for row in rows for cell in row}
    assert "0f8fad5b-d9cb-469f-a165-70867728950e" not in cells  # an idempotency key

    doses = _rows(files, "dose_events")
    by_caregiver = next(row for row in doses if row["note"] == "with breakfast")
    # Logged in London (summer time, UTC+1) at 12:00 UTC; the client lives in New York now.
    assert by_caregiver == {
        "medication": "Sertraline", "status": "taken", "occurred_at": "2026-04-01 13:00",
        "time_zone": "Europe/London", "scheduled_for": "2026-03-30 08:00", "skip_reason": "",
        "amount": "1.5", "note": "with breakfast", "logged_at": "2026-04-01 13:00",
        "logged_by": "'" + ATTACKS["caregiver"], "follow_up_at": "", "helped": ""}
    assert {row["logged_by"] for row in doses} - {by_caregiver["logged_by"]} == {""}

    meds = _rows(files, "medications")
    sertraline = next(row for row in meds if row["name"] == "Sertraline")
    assert sertraline["created_at"] == "2026-03-12 08:00"  # 12:00 UTC, in New York
    assert sertraline["time_zone"] == "America/New_York"
    assert sertraline["units_on_hand"] == "28.5"  # a number stays a number

    regimens = _rows(files, "regimens")
    assert [(row["medication"], row["times"], row["weekdays"]) for row in regimens
            if row["medication"] == "Sertraline"] == [
        ("Sertraline", "08:00, 20:00", ""), ("Sertraline", "08:00", "Mon, Wed, Fri"),
        ("Sertraline", "08:00", "Mon, Wed, Fri"), ("Sertraline", "08:00", "Mon, Wed, Fri")]
    plan = _rows(files, "step_plans")[0]
    assert (plan["plan"], plan["medication"], plan["kind"], plan["amount_before"]) == \
        ("Sertraline titration 2026-04-01", "Sertraline", "titration", "1.5")
    assert [(row["plan"], row["ordinal"], row["amount"], row["starts_on"], row["scheduled"])
            for row in _rows(files, "plan_steps")] == [
        ("Sertraline titration 2026-04-01", "1", "1.75", "2026-04-02", "yes"),
        ("Sertraline titration 2026-04-01", "2", "2", "2026-04-09", "yes")]
    checkin = next(row for row in _rows(files, "checkins") if row["local_date"] == "2026-03-30")
    assert (checkin["sleep_hours"], checkin["note"]) == ("7.5", "Long walk, café with Sam")
    nausea = next(row for row in _rows(files, "side_effects") if row["symptom"] == "Nausea")
    assert nausea["medications"] == "Sertraline"
    assert {row["experiment"] for row in _rows(files, "experiment_checkpoints")} == \
        {"Up to 75 mg", "In bed by 11"}
    routine = next(row for row in _rows(files, "experiments") if row["title"] == "In bed by 11")
    assert (routine["strategy"], routine["agreed_with"], routine["agreed_on"]) == \
        ("sleep_routine", "Dr Patel", "2026-03-20")
    assert sorted((row["experiment"], row["at"], row["checkpoint_due_on"], row["importance"],
                   row["confidence"]) for row in _rows(files, "readiness_rulers")) == [
        ("In bed by 11", "start", "", "8", ""),
        ("Up to 75 mg", "checkpoint", "2026-03-29", "6", "4")]
    assert sorted((row["experiment"], row["medication"], row["effects"])
                  for row in _rows(files, "expectations")) == [
        ("", "Sertraline", "Mood lifts in 4-6 weeks"),
        ("In bed by 11", "", "Sleep better in 2 weeks")]
    goal = next(row for row in _rows(files, "appointment_notes") if row["text"] == "Sleep more")
    assert (goal["measure"], goal["direction"], goal["target"]) == ("sleep_hours", "up", "7")
    assert "worried" in {row["skip_reason"] for row in doses}
    assert {row["therapist"] for row in _rows(files, "therapist_notes")} == \
        {"'" + ATTACKS["therapist"]}
    assert {row["person"] for row in _rows(files, "grants")} == \
        {"'" + ATTACKS["therapist"], "'" + ATTACKS["caregiver"]}
    assert {row["caregiver"] for row in _rows(files, "caregiver_alert_settings")} == \
        {"'" + ATTACKS["caregiver"]}


def test_a_cell_is_neutralised_only_when_it_is_text():
    cell = export_csv.cell
    assert cell(Decimal("-1.50")) == "-1.5"
    assert cell(-3) == "-3"
    assert cell("-3") == "'-3"
    assert cell("a=b") == "a=b"
    assert cell("\t=1") == "'\t=1" and cell("\r=1") == "'\r=1"
    assert cell(True) == "yes"


def _documented_csv_columns() -> dict[str, list[str]]:
    """The columns docs/EXPORT.md lists under each "### csv/<file>.csv" heading, in order."""
    result, current = {}, None
    for line in (ROOT / "docs" / "EXPORT.md").read_text().splitlines():
        heading = re.match(r"^#+ (.*)$", line)
        if heading:
            found = re.fullmatch(r"csv/(\w+)\.csv", heading.group(1).strip("`"))
            current = found.group(1) if found else None
            continue
        cell = re.match(r"^\| (\w+) \|", line)
        if current and cell and cell.group(1) != "Column":
            result.setdefault(current, []).append(cell.group(1))
    return result


def test_every_csv_file_and_column_is_in_the_data_dictionary(client, crafted, clock):
    clock.set(NOW)
    login(client, crafted)
    archive = zipfile.ZipFile(io.BytesIO(_download_zip(client)))
    assert set(archive.namelist()) == {"tend.json", "README.md"} | {
        f"csv/{spec.name}.csv" for spec in export_csv.FILES}
    written = {name.removeprefix("csv/").removesuffix(".csv"): rows[0]
               for name, rows in _files(client).items()}
    assert written == _documented_csv_columns()
