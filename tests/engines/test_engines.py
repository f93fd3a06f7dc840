"""The key flows in WebKit (every browser on an iPhone) and Firefox, besides Chromium: sign in
and Today; a dose taken, one skipped with a reason, undo; a check-in and a side effect with
their validation messages; a dose and a check-in made with no connection, sent exactly once
when it returns; what sign-out clears; a therapist's client page and prescriber update."""
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import CheckIn, DoseEvent, DoseStatus, PlannedDose, User, db
from tests.browser.helpers import SCREENSHOTS
from tests.engines.drivers import DESKTOP
from tests.records import add_medication


def screenshot(browser, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(SCREENSHOTS / f"{browser.engine}-{name}.png")


def page_text(browser) -> str:
    return browser.run("return document.body.innerText")


def wait_for_text(browser, text: str, seconds: float = 20) -> None:
    browser.wait_for(f"return document.body.innerText.includes({json.dumps(text)})",
                     f"the text {text!r}", seconds)


def sign_in(browser, server, person) -> None:
    browser.goto(f"{server.url}/login")
    browser.fill("input[name=email]", person.email)
    browser.fill("input[name=password]", person.password)
    browser.click("form button[type=submit]", navigates=True)
    wait_for_text(browser, "Sign out")


def count(model, **where) -> int:
    db.session.commit()  # a fresh snapshot: the server wrote in its own transactions
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def client_here(alice, midday_zone):
    """Alice, living in the zone where it is now midday (browsers keep real time)."""
    db.session.get(User, alice.id).timezone = midday_zone
    db.session.commit()
    return alice


def local_time(zone: str, **delta) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).astimezone(
        ZoneInfo(zone)).strftime("%H:%M")


def test_sign_in_and_today_at_phone_size(open_browser, server, client_here):
    browser = open_browser()
    sign_in(browser, server, client_here)
    assert "Hello, Alice" in page_text(browser)
    size = browser.run("return [innerWidth, innerHeight, "
                       "document.documentElement.scrollWidth]")
    assert size[:2] == [390, 844] and size[2] <= 390, size
    screenshot(browser, "today")


def planned_ids(med, zone: str) -> list[int]:
    """Today's planned doses of ``med``, earliest first."""
    db.session.commit()
    return list(db.session.scalars(
        select(PlannedDose.id).filter_by(medication_id=med.id,
                                         local_date=datetime.now(ZoneInfo(zone)).date())
        .order_by(PlannedDose.due_at)))


@pytest.fixture
def two_doses_ago(client_here, midday_zone):
    """Sertraline planned 90 and 45 minutes ago, not logged yet."""
    now = datetime.now(timezone.utc)
    med = add_medication(client_here, now, name="Sertraline",
                         times=sorted({local_time(midday_zone, minutes=-90),
                                       local_time(midday_zone, minutes=-45)}))
    return med


def dose_text(browser, planned_id: int) -> str:
    return browser.run(f"return document.getElementById('dose-{planned_id}').innerText")


def wait_for_dose(browser, planned_id: int, text: str) -> None:
    browser.wait_for(f"const li = document.getElementById('dose-{planned_id}');"
                     f"return li && li.innerText.includes({json.dumps(text)})",
                     f"dose {planned_id} to say {text!r}")


def test_take_skip_with_a_reason_and_undo(open_browser, server, client_here, two_doses_ago,
                                          midday_zone):
    first, second = planned_ids(two_doses_ago, midday_zone)
    browser = open_browser()
    sign_in(browser, server, client_here)
    browser.click(f"#dose-{first} button.dose-taken", navigates=True)
    wait_for_dose(browser, first, "Taken at")

    browser.click(f"#dose-{second} details:nth-of-type(2) summary")
    browser.click(f"#dose-{second} label.choice:has(input[value=side_effects])")
    browser.fill(f"#dose-{second} input[name=note]", "Felt sick after the last one")
    browser.click(f"#dose-{second} details:nth-of-type(2) button[type=submit]", navigates=True)
    wait_for_dose(browser, second, "Skipped")
    assert "Because of side effects" in dose_text(browser, second)
    screenshot(browser, "today-logged")
    db.session.commit()  # a fresh snapshot
    events = {event.planned_dose_id: event for event in db.session.scalars(
        select(DoseEvent).filter_by(client_id=client_here.id))}
    assert events[first].status is DoseStatus.TAKEN
    assert (events[second].status, events[second].note) == (
        DoseStatus.SKIPPED, "Felt sick after the last one")

    browser.click(f"#dose-{first} form.dose-actions button[type=submit]", navigates=True)
    browser.wait_for(f"return !!document.querySelector('#dose-{first} button.dose-taken')",
                     "the undone dose to offer Taken again")
    assert count(DoseEvent, client_id=client_here.id) == 1
