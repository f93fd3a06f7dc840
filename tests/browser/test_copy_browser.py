"""On a phone: a very low check-in shows the gentle line with Get help once a day (online and
offline); Today states a late dose as a fact, with the client's own missed-dose words or a
pointer to the leaflet, and no advice of Tend's own."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from models import MedicationKind, User, db
from tend.services import medications
from tend.services.medications import RegimenSpec
from tests.browser.helpers import assert_accessible, assert_looks_finished
from tests.browser.pwa_helpers import (sign_in, wait_for_kept_today, wait_for_worker)

NOW = datetime(2026, 3, 10, 9, 40, tzinfo=timezone.utc)  # Tuesday, 09:40 in London
LINE = "aren't watching your check-ins in real time, and no one has been alerted"
POINTER = ("What to do about a missed dose depends on the medication: see its leaflet or ask "
           "your pharmacist.")


def add(person, name, times, instructions=""):
    med, _ = medications.create_medication(
        db.session, db.session.get(User, person.id), name=name, form="tablet",
        kind=MedicationKind.PRESCRIBED, started_on=date(2026, 3, 1), now=NOW,
        spec=RegimenSpec(strength=Decimal(400), strength_unit="mg", times=list(times)),
        missed_dose_instructions=instructions)
    db.session.commit()
    return med


@pytest.fixture
def phone(page, live_server, clock, alice):
    clock.set(NOW)
    sign_in(page, live_server, alice)
    return page


def save_checkin(page, live_server, **answers):
    page.goto(f"{live_server}/checkin")
    for name, value in answers.items():
        page.locator("label.scale-option").filter(
            has=page.locator(f"input[name={name}][value='{value}']")).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")


def test_a_very_low_check_in_shows_the_gentle_line_once(phone, live_server):
    page = phone
    page.goto(f"{live_server}/checkin")
    assert_accessible(page)
    save_checkin(page, live_server, mood=1)
    line = page.locator(".flash-support")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(LINE)
    expect(line.get_by_role("link", name="Get help: people you can contact")).to_have_attribute(
        "href", "/help")
    assert_looks_finished(page, "copy-checkin-gentle-line")
    assert_accessible(page)
    page.reload()
    expect(page.locator(".flash-support")).to_have_count(0)  # shown once, not on every visit
    save_checkin(page, live_server, work=1)
    expect(page.get_by_text("Check-in updated.")).to_be_visible()
    expect(page.locator(".flash-support")).to_have_count(0)  # the second check-in that day


def test_an_ordinary_check_in_shows_no_line(phone, live_server):
    save_checkin(phone, live_server, mood=3)
    expect(phone.get_by_text("Check-in saved. Thank you.")).to_be_visible()
    expect(phone.locator(".flash-support")).to_have_count(0)


def test_today_shows_the_clients_words_for_a_late_dose_and_no_advice_without_them(
        page, live_server, clock, alice):
    clock.set(NOW)
    with_words = add(alice, "Lithium", ("08:00",),
                     "If it's less than 3 hours late, take it; otherwise wait for the next one.")
    without = add(alice, "Lamotrigine", ("08:00",))
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/today")
    first = page.locator(".dose").filter(has_text="Lithium")
    expect(first).to_contain_text("1 hr, 40 min after its time")
    expect(first.locator(".dose-overdue")).to_contain_text(
        "What your prescriber or pharmacist said: “If it's less than 3 hours late, take it; "
        "otherwise wait for the next one.”")
    expect(first.locator(".dose-overdue")).not_to_contain_text("leaflet")
    second = page.locator(".dose").filter(has_text="Lamotrigine")
    expect(second.locator(".dose-overdue")).to_have_text(
        f"1 hr, 40 min after its time {POINTER}", use_inner_text=True)
    for advice in ("Still time", "Take now", "take it"):
        expect(second.locator(".dose-overdue")).not_to_contain_text(advice)
    assert_looks_finished(page, "copy-today-late-doses")
    assert_accessible(page)
    assert with_words.id != without.id


def test_a_very_low_check_in_saved_offline_shows_the_line_once(page, live_server, fixed_time,
                                                                alice):
    fixed_time(NOW)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/today")
    wait_for_worker(page)
    wait_for_kept_today(page)
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    page.wait_for_selector("html[data-offline-ready]", state="attached")
    page.get_by_text("Check in", exact=True).click()
    form = page.locator("form[data-offline=checkin]")
    form.locator("label.scale-option").filter(
        has=page.locator("input[name=ci-mood][value='1']")).click()
    form.get_by_role("button", name="Save check-in").click()
    line = page.locator("[data-support-line]")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(LINE)
    expect(line.get_by_role("link")).to_have_attribute("href", "/help")
    assert_looks_finished(page, "copy-offline-gentle-line")
    form.locator("label.scale-option").filter(
        has=page.locator("input[name=ci-self_care][value='1']")).click()
    form.get_by_role("button", name="Save check-in").click()
    expect(page.locator("[data-support-line]")).to_have_count(1)  # not a second time today
