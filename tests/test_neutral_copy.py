"""Tend's words never advise on dosing, praise or blame: the whole message catalogue (every
template, Python module and offline page, as ``pybabel extract`` reads them with babel.cfg)
holds none of the phrases a copy review found, and Today states a late dose as a fact, with
the client's own missed-dose instruction or a pointer to the leaflet or pharmacist."""
import html as html_text
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from sqlalchemy import select

from models import MedicationKind, PlannedDose, User, db
from tend.services import medications
from tend.services.medications import RegimenSpec
from tests.conftest import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
# Phrases that advise on dosing, praise compliance or count what isn't true. Matched without
# regard to case, anywhere in a message.
FORBIDDEN = [
    "still time to take",
    "take now",
    "well done",
    "keeping track.",
    "all of them on",
    "you took",
    "stop this medication",
    "good job",
    "great job",
    "keep it up",
    "perfect day",
    "streak of",
]


@pytest.fixture(scope="module")
def catalogue() -> list[str]:
    """Every message id Tend's code and templates can show, singular and plural, extracted as
    ``pybabel extract -F babel.cfg`` does."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    texts = []
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        texts.extend([message] if isinstance(message, str) else message)
    return [text for text in texts if text]


def test_the_catalogue_covers_every_template_and_the_offline_page(catalogue):
    """A template Babel cannot parse is skipped without a word: check that none was."""
    assert "No connection just now" in catalogue           # pwa/templates/pwa/offline.html
    assert "The numbers match the dashed lines on the charts." in catalogue  # insights/_charts.html
    assert "Delete this for good?" in catalogue             # templates/client/_client.html
    assert "Get help" in catalogue                          # templates/base.html


@pytest.mark.parametrize("phrase", FORBIDDEN)
def test_no_message_contains(catalogue, phrase):
    found = [text for text in catalogue if phrase in text.lower()]
    assert found == []


NOW = datetime(2026, 3, 10, 9, 40, tzinfo=timezone.utc)  # 09:40 in London (GMT)


def _medication(person, name="Lithium", times=("08:00",), instructions=None):
    user = db.session.get(User, person.id)
    med, _ = medications.create_medication(
        db.session, user, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=RegimenSpec(strength=Decimal(400), strength_unit="mg", times=list(times)),
        started_on=date(2026, 3, 1), now=NOW)
    if instructions is not None:
        med.missed_dose_instructions = instructions
    db.session.commit()
    return med


def _card(html: str, med) -> str:
    """The text of Today's card for ``med``'s dose on the test's day."""
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == date(2026, 3, 10)))
    start = html.index(f'id="dose-{planned.id}"')
    card = html[start:html.index("</li>", start)]
    return _text(card)


def _text(html: str) -> str:
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _overdue_note(html: str, med) -> str:
    """What Today says under an overdue dose's name and time (its buttons left out)."""
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == date(2026, 3, 10)))
    card = html[html.index(f'id="dose-{planned.id}"'):]
    found = re.match(r'.*?<div class="dose-overdue">(.*?)</div>', card, re.S)
    return _text(found.group(1)) if found else ""


@pytest.fixture
def today(client, clock, alice):
    clock.set(NOW)
    login(client, alice)
    return lambda: client.get("/today").get_data(as_text=True)


def test_a_late_dose_states_how_late_and_the_prescribers_words(today, alice):
    med = _medication(alice, instructions="Take it if it's less than 4 hours late; "
                                          "otherwise skip it. Never double up.")
    card = _card(today(), med)
    assert "1 hr, 40 min after its time" in card
    assert ("What your prescriber or pharmacist said: “Take it if it's less than 4 hours late; otherwise "
            "skip it. Never double up.”") in card
    assert "leaflet" not in card


def test_a_late_dose_without_an_instruction_points_to_the_leaflet_and_gives_no_advice(
        today, alice):
    med = _medication(alice)
    html = today()
    assert _overdue_note(html, med) == (
        "1 hr, 40 min after its time What to do about a missed dose depends on the "
        "medication: see its leaflet or ask your pharmacist.")
    for advice in ("still time", "take now", "take it"):
        assert advice not in _card(html, med).lower().replace("when did you take it?", "")


def test_a_dose_due_now_or_coming_up_shows_no_missed_dose_words(today, alice):
    due = _medication(alice, name="Sertraline", times=("09:00",), instructions="Skip it.")
    later = _medication(alice, name="Quetiapine", times=("21:00",), instructions="Skip it.")
    html = today()
    for med in (due, later):
        card = _card(html, med)
        assert "after its time" not in card and "Skip it" not in card
        assert "leaflet" not in card


def test_the_instruction_is_kept_from_the_medication_form_and_shown_on_its_page(
        client, clock, alice):
    clock.set(NOW)
    login(client, alice)
    response = client.post("/medications/new", data={
        "csrf_token": csrf_token(client, "/medications/new"), "name": "Lamotrigine",
        "form": "tablet", "kind": "prescribed", "started_on": "2026-03-01", "amount": "1",
        "schedule": "fixed", "times": ["08:00"], "weekdays": [str(n) for n in range(7)],
        "missed_dose_instructions": "  Ask the pharmacist.  "})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "If a dose is missed" in page and "Ask the pharmacist." in page
    med_id = int(response.headers["Location"].rsplit("/", 1)[1])
    edit = client.get(f"/medications/{med_id}/edit").get_data(as_text=True)
    assert "Ask the pharmacist." in edit
    too_long = client.post(f"/medications/{med_id}/edit", data={
        "csrf_token": csrf_token(client, f"/medications/{med_id}/edit"), "name": "Lamotrigine",
        "form": "tablet", "kind": "prescribed", "started_on": "2026-03-01",
        "missed_dose_instructions": "x" * 1001})
    assert too_long.status_code == 400
    assert 'id="missed_dose_instructions-error"' in too_long.get_data(as_text=True)


def test_a_dose_not_logged_hours_later_still_shows_the_words(client, clock, alice):
    med = _medication(alice, instructions="Skip the missed dose.")
    clock.set(datetime(2026, 3, 10, 15, 5, tzinfo=timezone.utc))  # 7 h 5 min after 08:00
    login(client, alice)
    html = client.get("/today").get_data(as_text=True)
    assert _overdue_note(html, med) == (
        "7 hr, 5 min after its time What your prescriber or pharmacist said: "
        "“Skip the missed dose.”")
