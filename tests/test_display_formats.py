"""One way to write a time of day, a short date, a long date and a date range per locale,
everywhere: pages, care pages, the prescriber update, push texts and the offline page all go
through tend/formatting.py (and the page's formats for the offline page's script).

Alice (English) and Greta (German) each take Sertraline at 08:00 and 20:00; Bob, Alice's
therapist, reads her record."""
import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from models import Category, Role, User, db
from tests.conftest import login, make_person
from tests.records import add_medication
from tests.sharing_world import link

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 10, 9, 40, tzinfo=timezone.utc)  # Tuesday, 09:40 in London

# Formats written by hand instead of through tend/formatting.py.
TEMPLATE_FORMATS = re.compile(r"\|\s*(dateformat|datetimeformat|timeformat)\b|strftime\(|"
                              r"\.times\s*\|\s*join|format_(date|time|datetime)\(")
PYTHON_FORMATS = re.compile(r"\bformat_(date|time|datetime|skeleton|interval)\(|"
                            r"from flask_babel import[^\n]*\bformat_(date|time|datetime)\b")
JS_FORMATS = re.compile(r"toLocale\w*String\(|\b(hour|minute|weekday)\s*:")
# Machine formats (ISO dates, CSV, log lines, input values) are not shown as prose.
PYTHON_MACHINE_FORMATS = {"tend/formatting.py"}


def text(html: str) -> str:
    """What a person reads: no tags or attributes, Babel's narrow and thin spaces as plain."""
    visible = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", re.sub("[\u202f\u2009\xa0]", " ", visible))


def files(*patterns):
    for pattern in patterns:
        yield from sorted(ROOT.glob(pattern))


def test_it_writes_dates_and_times_only_through_the_formatting_helpers():
    found = []
    for path in files("templates/**/*.html", "pwa/templates/**/*.html"):
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}"
                  for m in TEMPLATE_FORMATS.finditer(path.read_text())]
    for path in files("tend/**/*.py"):
        if str(path.relative_to(ROOT)) not in PYTHON_MACHINE_FORMATS:
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}"
                      for m in PYTHON_FORMATS.finditer(path.read_text())]
    for path in files("static/js/*.js", "pwa/*.js"):
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}"
                  for m in JS_FORMATS.finditer(path.read_text())]
    assert found == []


@pytest.fixture
def alice_at_home(app, clock, alice):
    clock.set(NOW)
    add_medication(alice, NOW, times=("08:00", "20:00"), started_on=date(2026, 3, 1))
    return alice


@pytest.fixture
def greta(app, clock):
    clock.set(NOW)
    person = make_person("greta@example.com", "Greta", Role.CLIENT, tz="Europe/Berlin")
    db.session.get(User, person.id).locale = "de"
    db.session.commit()
    add_medication(person, NOW, times=("08:00", "20:00"), started_on=date(2026, 3, 1))
    return person


def test_it_writes_today_in_the_locales_long_date_and_time_of_day(client, alice_at_home):
    login(client, alice_at_home)
    page = text(client.get("/today").get_data(as_text=True))
    assert "Tuesday, March 10" in page
    assert "8:00 AM" in page and "08:00" not in page


def test_it_writes_german_days_and_times_the_german_way(client, greta):
    login(client, greta)
    page = text(client.get("/today").get_data(as_text=True))
    assert "Dienstag, 10. März" in page
    assert "08:00" in page and "AM" not in page
    medications = text(client.get("/medications").get_data(as_text=True))
    assert "Jeden Tag um 08:00 und 20:00" in medications


def test_the_care_record_writes_dose_times_as_the_readers_locale_does(client, alice_at_home,
                                                                      bob):
    link(alice_at_home, bob, [Category.MEDICATIONS, Category.DOSE_LOG], from_date=date(2026, 3, 1))
    login(client, bob)
    page = text(client.get(f"/care/clients/{alice_at_home.id}").get_data(as_text=True))
    assert "8:00 AM, 8:00 PM" in page or "8:00 AM and 8:00 PM" in page
    assert "08:00" not in page


def test_the_prescriber_update_writes_its_period_as_one_date_range(client, alice_at_home, bob):
    link(alice_at_home, bob, [Category.MEDICATIONS, Category.DOSE_LOG], from_date=date(2026, 3, 1))
    login(client, bob)
    page = text(client.get(f"/care/clients/{alice_at_home.id}/update").get_data(as_text=True))
    assert re.search(r"Feb \d+ – Mar 10, 2026", page), page[:3000]


def test_a_moment_is_a_short_date_and_a_time_of_day_without_seconds(client, alice_at_home):
    login(client, alice_at_home)
    page = text(client.get("/account").get_data(as_text=True))
    assert "Last active Mar 10, 2026, 9:40 AM" in page


def test_the_offline_page_carries_the_locales_clock_for_its_script(client):
    page = client.get("/offline").get_data(as_text=True)
    formats = json.loads(re.search(r"data-formats='([^']+)'", page).group(1))
    assert formats["time"] == {"hour": "numeric", "minute": "2-digit", "hourCycle": "h12"}
    assert formats["longDate"] == {"weekday": "long", "month": "long", "day": "numeric"}
