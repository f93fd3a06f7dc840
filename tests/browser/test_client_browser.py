"""The client's own record on a phone: add a medication, take a dose from Today, record a
side effect and a check-in, find them in History, edit one and delete one."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from models import db
from tests.browser.helpers import assert_looks_finished
from tests.browser.pwa_helpers import sign_in
from tests.test_client_pages import add_medication, planned_on

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # Tuesday, 09:00 in London


@pytest.fixture
def phone(page, live_server, clock, alice):
    clock.set(NOW)
    sign_in(page, live_server, alice)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    return page


def test_add_a_medication_and_take_a_dose_from_today(phone):
    page = phone
    assert_looks_finished(page, "client-today-empty")
    page.get_by_role("link", name="Add a medication").first.click()
    page.get_by_label("Name").fill("Sertraline")
    page.get_by_label("Strength").fill("50")
    expect(page.get_by_label("Most doses in a day (optional)")).to_be_hidden()  # set times
    page.get_by_label("Time 1").fill("08:00")
    page.get_by_role("button", name="Add another time").click()
    page.get_by_label("Time 2").fill("20:00")
    page.get_by_label("How many you have now (optional)").fill("30")
    assert_looks_finished(page, "client-medication-new")
    page.get_by_role("button", name="Add medication").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sertraline 50 mg")
    expect(page.get_by_text("Every day at 8:00 AM and 8:00 PM").first).to_be_visible()
    expect(page.get_by_text("runs out around")).to_be_visible()
    assert_looks_finished(page, "client-medication")

    page.get_by_role("link", name="Today").click()
    morning = page.locator(".dose").filter(has_text="8:00\u202fAM")
    expect(morning).to_contain_text("1 hr after its time")
    morning.get_by_role("button", name="Taken").click()
    expect(page.get_by_text("Saved: Sertraline taken at 9:00")).to_be_visible()
    expect(morning).to_contain_text("Taken at 9:00")
    expect(page.locator(".dose").filter(has_text="8:00\u202fPM")).to_contain_text("Coming up")
    assert_looks_finished(page, "client-today")


def test_side_effect_and_check_in_show_in_history_to_edit_and_delete(phone, live_server):
    page = phone
    page.goto(f"{live_server}/side-effects/new")
    page.get_by_label("What did you notice?").fill("headache")
    page.get_by_label("Severe").check()
    page.get_by_label("Note (optional)").fill("Since lunch")
    assert_looks_finished(page, "client-side-effect-new")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Contact your prescriber soon")
    assert_looks_finished(page, "client-side-effect-severe")

    page.get_by_role("link", name="Back to Today").click()
    page.get_by_role("link", name="Check in").click()
    page.get_by_label("Hours of sleep").fill("7.5")
    for scale, value in [("How well you slept", "4"), ("Energy", "3"), ("Mood", "2")]:
        page.get_by_role("group", name=scale).get_by_label(value, exact=True).check()
    assert_looks_finished(page, "client-checkin")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in saved. Thank you.")).to_be_visible()
    expect(page.get_by_text("Done for today")).to_be_visible()

    page.get_by_role("link", name="History").click()
    today = page.locator(".history-day").first
    expect(today).to_contain_text("Mood: 2/5")
    expect(today).to_contain_text("Side effect: headache")
    assert_looks_finished(page, "client-history")

    today.get_by_role("link", name="Edit check-in").click()
    expect(page.get_by_role("group", name="Mood").get_by_label("2", exact=True)).to_be_checked()
    page.get_by_role("group", name="Mood").get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in updated.")).to_be_visible()

    page.get_by_role("link", name="History").click()
    expect(today).to_contain_text("Mood: 4/5")
    today.get_by_role("link", name="Delete headache").click()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_text("Deleted.")).to_be_visible()
    expect(page.locator(".history-day").first).not_to_contain_text("headache")


@pytest.fixture
def medicated(app, clock, alice):
    """Alice's medications, written before the browser signs in (SQLite has one writer)."""
    clock.set(NOW)
    add_medication(alice, name="Propranolol", times=(), as_needed=True, max_per_day=2)
    med = add_medication(alice, units=Decimal(20))
    pages = {"client-medications": "/medications",
             "client-medication-change": f"/medications/{med.id}/change",
             "client-medication-stop": f"/medications/{med.id}/stop",
             "client-dose": f"/doses/new?dose={planned_on(med, 1).id}",
             "client-more": "/more"}
    db.session.commit()  # end the read, so the server's requests can write
    return pages


def test_the_other_client_pages_look_finished_on_a_phone(medicated, phone, live_server):
    for name, path in medicated.items():
        phone.goto(f"{live_server}{path}")
        assert_looks_finished(phone, name)
    phone.goto(f"{live_server}/today")
    phone.get_by_role("button", name="Taken now Propranolol").click()  # one tap
    expect(phone.get_by_text("1 of up to 2 today")).to_be_visible()
    assert_looks_finished(phone, "client-today-as-needed")
