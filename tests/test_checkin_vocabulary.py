"""One check-in vocabulary: every page, file and document that names a check-in answer
calls it by the same label (the client's form, history, insights and experiments; a
supporter's page; the FHIR export and the export's documentation; the OpenAPI document)."""
import html as html_text
import json
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from models import User, db
from tend.access import DATA_CATEGORIES
from tend.services import journal
from tests.conftest import login
from tests.sharing_world import link

NOW = datetime(2026, 4, 20, 12, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parent.parent
LABELS = {"sleep_hours": "Hours of sleep", "sleep_quality": "How well you slept",
          "energy": "Energy", "mood": "Mood", "work": "Work or study",
          "relationships": "Relationships", "self_care": "Looking after yourself"}
OTHER_NAMES = ["Self-care", "Sleep quality", "How well did you sleep", "self care",
               "sleep quality"]


@pytest.fixture
def record(app, clock, alice):
    clock.set(NOW)
    client = db.session.get(User, alice.id)
    for days_ago in range(5):
        journal.save_checkin(db.session, client, NOW.date() - timedelta(days=days_ago), {
            "sleep_hours": Decimal("7.5"), "sleep_quality": 3, "energy": 4, "mood": 3,
            "work": 2, "relationships": 4, "self_care": 5, "note": "walk"}, NOW)
    db.session.commit()
    return alice


def text(response) -> str:
    assert response.status_code == 200
    return html_text.unescape(response.get_data(as_text=True))


def assert_same_labels(where: str, shown: str) -> None:
    for name, label in LABELS.items():
        assert label in shown, (where, name, label)
    for other in OTHER_NAMES:
        assert other not in shown, (where, other)


def test_the_vocabulary_holds_these_labels(app):
    from models.journal import CHECKIN_MEASURES
    with app.test_request_context():
        assert {item.name: str(item.label) for item in CHECKIN_MEASURES} == LABELS


def test_the_clients_pages_use_the_same_labels(client, record):
    login(client, record)
    form = text(client.get("/checkin"))
    for label in LABELS.values():
        assert re.search(rf"<(label|legend)[^>]*>\s*{re.escape(label)}\s*<", form), label
    assert_same_labels("check-in form", form)
    history = text(client.get("/history"))
    assert "Looking after yourself: 5/5" in history and "Hours of sleep: 7.5 h" in history
    assert_same_labels("history", history)
    assert_same_labels("insights", text(client.get("/insights")))
    assert_same_labels("experiment form", text(client.get("/experiments/new")))


def test_a_supporters_page_uses_the_same_labels(client, record, bob):
    link(db.session.get(User, record.id), bob, [c.value for c in DATA_CATEGORIES],
         from_date=date(2026, 4, 1), now=NOW)
    login(client, bob)
    overview = text(client.get(f"/care/clients/{record.id}"))
    assert_same_labels("care overview", overview)
    update = text(client.get(f"/care/clients/{record.id}/update"))
    for label in LABELS.values():
        assert f"{label}: " in update, label
    assert_same_labels("prescriber update", update)


def test_the_exports_and_the_api_document_use_the_same_labels(client, record):
    login(client, record)
    bundle = json.loads(client.get("/my-data/tend-fhir.json").data)
    observed = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Observation" and "effectiveDateTime" in resource:
            observed[resource["code"]["text"]] = True
    assert set(LABELS.values()) <= set(observed), observed.keys()
    assert_same_labels("FHIR", json.dumps(bundle))

    documentation = (ROOT / "docs" / "EXPORT.md").read_text()
    for name, label in LABELS.items():
        assert f"| {name} | {label}" in documentation, name

    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for name, label in LABELS.items():
        assert schemas["CheckIn"]["properties"][name]["description"] == label
        assert schemas["NewCheckIn"]["properties"][name]["description"] == label
