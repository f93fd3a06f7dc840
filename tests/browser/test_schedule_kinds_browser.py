"""Schedule kinds on a phone (issue 17): an every-8-hours schedule entered in the form and on
Today, a 21/7 cycle, and an as-needed dose taken in one tap with "did it help?" after it."""
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (SCREENSHOTS, assert_accessible, assert_looks_finished,
                                   screenshot)
from tests.browser.pwa_helpers import sign_in

NOW = datetime(2026, 5, 6, 5, 0, tzinfo=timezone.utc)  # Wednesday, 06:00 in London


@pytest.fixture
def phone(page, live_server, clock, alice):
    clock.set(NOW)
    sign_in(page, live_server, alice)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    return page


def _start_form(page, live_server, name: str, kind_label: str):
    page.goto(f"{live_server}/medications/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label(kind_label, exact=True).check()


def test_the_form_shows_only_the_chosen_kinds_fields(phone, live_server):
    page = phone
    page.goto(f"{live_server}/medications/new")
    hours = page.get_by_label("Every how many hours?")
    cycle_on = page.get_by_label("Days taking it")
    reason = page.get_by_label("What you take it for (optional)")
    expect(hours).to_be_hidden()
    expect(page.get_by_text("Times of day")).to_be_visible()
    screenshot(page, "schedule-form-fixed")
    for label, visible, shot in (("Every few hours", hours, "every-hours"),
                                 ("Every few days", page.get_by_label("Every how many days?"),
                                  "every-days"),
                                 ("Days on, days off", cycle_on, "cycle"),
                                 ("As needed", reason, "as-needed")):
        page.get_by_label(label, exact=True).check()
        expect(visible).to_be_visible()
        page.locator("[data-schedule]:not([hidden])").first.scroll_into_view_if_needed()
        screenshot(page, f"schedule-form-{shot}")
    expect(hours).to_be_hidden()
    expect(page.get_by_text("Times of day")).to_be_hidden()
    assert_accessible(page)


def test_an_every_8_hours_schedule_entered_in_the_form_gives_three_doses_on_today(
        phone, live_server):
    page = phone
    _start_form(page, live_server, "Amoxicillin", "Every few hours")
    page.get_by_label("Every how many hours?").fill("8")
    page.get_by_label("First dose at").fill("06:00")
    page.get_by_label("Last dose by").fill("22:00")
    page.get_by_label("How much each time").fill("1/2")
    page.get_by_role("button", name="Add medication").click()
    expect(page.get_by_text("Amoxicillin is on your list.")).to_be_visible()
    expect(page.locator("dd").filter(has_text="Every 8 hours from 6:00\u202fAM to 10:00\u202fPM")
           ).to_be_visible()
    page.get_by_role("link", name="Today").click()
    doses = page.locator(".dose").filter(has_text="Amoxicillin")
    expect(doses).to_have_count(3)
    for time in ("6:00\u202fAM", "2:00\u202fPM", "10:00\u202fPM"):
        expect(doses.filter(has_text=time)).to_have_count(1)
    expect(doses.first).to_contain_text("½ tablet")
    doses.filter(has_text="6:00\u202fAM").get_by_role("button", name="Taken").click()
    expect(doses.filter(has_text="6:00\u202fAM")).to_contain_text("Taken at 6:00")
    assert_looks_finished(page, "schedule-today-every-8-hours")
    assert_accessible(page)


def test_a_21_7_cycle_has_doses_on_its_on_days_and_none_on_its_off_days(phone, live_server,
                                                                        clock, alice):
    page = phone
    _start_form(page, live_server, "Cyclic", "Days on, days off")
    # 9 April is day 1: 9-29 April on, 30 April to 6 May (today) off, 7 May day 1 again.
    page.get_by_label("Started on").fill("2026-04-09")
    page.get_by_label("Days taking it").fill("21")
    page.get_by_label("Days off", exact=True).fill("7")
    page.locator('input[name="times"]').first.fill("09:00")
    page.get_by_role("button", name="Add medication").click()
    expect(page.locator("dd").filter(has_text="21 days on, 7 days off, at 9:00\u202fAM")
           ).to_be_visible()
    page.goto(f"{live_server}/today")
    expect(page.locator(".dose").filter(has_text="Cyclic")).to_have_count(0)
    clock.advance(days=1)  # 7 May: day 1 of the next cycle (signed out after a day away)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/today")
    expect(page.locator(".dose").filter(has_text="Cyclic")).to_have_count(1)
    assert_looks_finished(page, "schedule-today-cycle-day-one")


def test_as_needed_in_one_tap_then_did_it_help(phone, live_server, clock):
    page = phone
    _start_form(page, live_server, "Zopiclone", "As needed")
    page.get_by_label("How much each time").fill("½")
    page.get_by_label("In your words (optional)", exact=True).fill("half a tablet")
    page.get_by_label("What you take it for (optional)").fill("when I can't sleep")
    page.get_by_label("At least this long between doses").select_option(label="4 hours")
    page.get_by_label("Ask “Did it help?”").select_option(label="After 1 hour")
    page.get_by_role("button", name="Add medication").click()
    expect(page.get_by_text("Zopiclone is on your list.")).to_be_visible()

    page.goto(f"{live_server}/today")
    card = page.locator("#as-needed-1, .dose").filter(has_text="Zopiclone").first
    expect(card).to_contain_text("½ tablet (half a tablet)")
    expect(card).to_contain_text("For: when I can't sleep")
    card.get_by_role("button", name="Taken now").click()
    expect(page.get_by_text("Saved: Zopiclone taken at 6:00")).to_be_visible()

    clock.advance(hours=1)
    page.goto(f"{live_server}/today")
    card = page.locator(".dose").filter(has_text="Zopiclone").first
    card.get_by_role("button", name="Taken now").click()
    expect(page.get_by_text("This came sooner than the 4 hr you planned")).to_be_visible()
    expect(page.get_by_text("It is recorded as taken.")).to_be_visible()
    follow_up = page.locator(".follow-up")
    expect(follow_up).to_have_count(1)
    expect(follow_up).to_contain_text("Zopiclone, taken at 6:00\u202fAM. Did it help?")
    assert_looks_finished(page, "schedule-today-as-needed-follow-up")
    follow_up.evaluate("el => el.scrollIntoView({block: 'center'})")
    follow_up.screenshot(path=str(SCREENSHOTS / "schedule-today-follow-up-card.png"))
    follow_up.get_by_role("button", name="A little").click()
    expect(page.get_by_text("Your answer is saved with the dose.")).to_be_visible()
    expect(page.locator(".follow-up")).to_have_count(0)


def test_a_21_7_cycle_started_10_days_ago_is_entered_at_its_day_and_keeps_its_days(
        phone, live_server, clock, alice):
    """A pack begun on 26 April, entered on 6 May (its day 11): on today and to 16 May, off
    17-23 May, on again from 24 May. A day past the cycle is refused at its field."""
    page = phone
    _start_form(page, live_server, "Yaz", "Days on, days off")
    page.get_by_label("Days taking it").fill("21")
    page.get_by_label("Days off", exact=True).fill("7")
    page.locator('input[name="times"]').first.fill("21:00")
    day = page.get_by_label("Today is day … of the cycle (optional)")
    expect(page.get_by_text("For a pack you have already started")).to_be_visible()
    day.fill("30")
    page.get_by_role("button", name="Add medication").click()
    expect(page.locator("#cycle_day-error")).to_have_text(
        "Your cycle has 28 days: enter a day from 1 to 28.")
    expect(page.get_by_label("Name")).to_have_value("Yaz")
    expect(page.get_by_label("Days taking it")).to_have_value("21")
    day.scroll_into_view_if_needed()
    screenshot(page, "schedule-cycle-day-refused")
    day.fill("11")
    page.get_by_role("button", name="Add medication").click()
    expect(page.get_by_text("Yaz is on your list.")).to_be_visible()
    expect(page.get_by_text("Today is day 11 of the cycle, a day on.")).to_be_visible()
    assert_looks_finished(page, "schedule-cycle-day-11-medication")
    page.goto(f"{live_server}/today")
    expect(page.locator(".dose").filter(has_text="Yaz")).to_have_count(1)
    assert_looks_finished(page, "schedule-cycle-day-11-today")
    for days, doses in ((10, 1), (11, 0), (17, 0), (18, 1)):  # 16, 17, 23 and 24 May
        clock.set(NOW + timedelta(days=days))
        sign_in(page, live_server, alice)
        page.goto(f"{live_server}/today")
        expect(page.locator(".dose").filter(has_text="Yaz")).to_have_count(doses)
    screenshot(page, "schedule-cycle-day-1-again")
