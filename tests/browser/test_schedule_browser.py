"""Pausing and resuming on the day a dose was logged, and a move to another zone, as a
client sees them on a phone."""
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from models import User, db
from tend.reminders import planner
from tests.browser.helpers import assert_looks_finished
from tests.browser.pwa_helpers import sign_in
from tests.records import add_medication

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)  # Tuesday, 08:00 in London


@pytest.fixture
def med(app, alice):
    return add_medication(alice, NOW - timedelta(hours=1), times=("09:00", "21:00"))


@pytest.fixture
def phone(page, live_server, clock, alice, med):
    clock.set(NOW)
    sign_in(page, live_server, alice)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    return page


def test_pause_and_resume_after_logging_keeps_one_nine_oclock_dose(phone, live_server, clock,
                                                                  med):
    page = phone
    page.goto(f"{live_server}/today")
    nine = page.locator(".dose").filter(has_text="9:00\u202fAM")
    nine.get_by_role("button", name="Taken").click()
    expect(nine).to_contain_text("Taken at 8:00")

    clock.advance(minutes=5)
    page.goto(f"{live_server}/medications/{med.id}")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Paused. No doses are planned")).to_be_visible()
    clock.advance(minutes=5)
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_text("Resumed.")).to_be_visible()

    page.get_by_role("link", name="Today").click()
    expect(page.locator(".dose").filter(has_text="9:00\u202fAM")).to_have_count(1)
    expect(page.locator(".dose").filter(has_text="9:00\u202fAM")).to_contain_text("Taken at 8:00")
    expect(page.locator(".dose").filter(has_text="9:00\u202fPM")).to_contain_text("Coming up")
    expect(page.get_by_text("Coming up")).to_have_count(1)
    assert_looks_finished(page, "schedule-today-after-pause-resume")


def test_after_a_move_east_history_keeps_the_old_zone_and_account_shows_the_choice(
        phone, live_server, clock, alice):
    page = phone
    page.goto(f"{live_server}/today")
    page.locator(".dose").filter(has_text="9:00\u202fAM").get_by_role("button", name="Taken").click()
    clock.advance(hours=2)  # 10:00 in London, 19:00 in Tokyo
    planner.set_timezone(db.session, db.session.get(User, alice.id), "Asia/Tokyo", clock())
    db.session.commit()

    page.goto(f"{live_server}/history")
    expect(page.get_by_text("Taken at 8:00\u202fAM, London time")).to_be_visible()
    assert_looks_finished(page, "schedule-history-after-move")
    page.goto(f"{live_server}/today")
    assert_looks_finished(page, "schedule-today-after-move")
    page.goto(f"{live_server}/account")
    expect(page.get_by_label("Keep home times", exact=False)).to_be_visible()
    expect(page.get_by_label("Follow local time", exact=False)).to_be_checked()
    assert_looks_finished(page, "schedule-account-travel-choice")
