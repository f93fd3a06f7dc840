"""The check-in on a phone: an empty one is refused with the message at the form; saving
again writes only what was changed, and says which answer was kept when another device
changed the same one."""
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from models import CheckIn, User, db
from tend.services import journal
from tests.browser.helpers import assert_looks_finished
from tests.browser.pwa_helpers import sign_in

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # Tuesday, 09:00 in London
EMPTY = "Add at least one answer or a note before saving."


@pytest.fixture
def phone(page, live_server, clock, alice):
    clock.set(NOW)
    sign_in(page, live_server, alice)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    return page


def checkins() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CheckIn))


def test_an_empty_checkin_is_refused_at_the_form(phone, live_server):
    page = phone
    page.goto(f"{live_server}/checkin")
    page.get_by_label("Anything else about today? (optional)").fill("   ")
    page.get_by_role("button", name="Save check-in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(EMPTY)
    expect(alert).to_be_focused()
    expect(alert).to_be_in_viewport()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's check-in")
    assert_looks_finished(page, "client-checkin-empty-refused")
    assert checkins() == 0

    page.get_by_role("group", name="Mood").get_by_label("3", exact=True).check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in saved. Thank you.")).to_be_visible()
    assert checkins() == 1


@pytest.fixture
def checked_in(app, clock, alice):
    """Alice checked in this morning, before the browser signs in (SQLite has one writer)."""
    clock.set(NOW)
    journal.save_checkin(db.session, db.session.get(User, alice.id), date(2026, 3, 10),
                         {"sleep_hours": 7, "mood": 3}, NOW)
    db.session.commit()
    return alice


def test_saving_again_keeps_what_another_device_changed(checked_in, phone, live_server):
    page = phone
    page.goto(f"{live_server}/checkin")
    expect(page.get_by_role("group", name="Mood").get_by_label("3", exact=True)).to_be_checked()
    # the other phone, meanwhile: a note and a different mood, in the same minute
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    other = page.request.post(f"{live_server}/api/v1/checkins", headers={"X-CSRFToken": token},
                              data={"date": "2026-03-10", "mood": 5,
                                    "note": "from the other phone",
                                    "base": {"mood": 3, "note": ""}})
    assert other.status == 200, other.text()
    page.get_by_role("group", name="Energy").get_by_label("4", exact=True).check()
    page.get_by_role("group", name="Mood").get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in updated.")).to_be_visible()
    expect(page.get_by_text("Mood was also changed on another device")).to_contain_text("5/5")
    assert_looks_finished(page, "client-checkin-conflict-flash")
    db.session.rollback()
    item = db.session.scalar(select(CheckIn))
    assert (item.sleep_hours, item.energy, item.mood, item.note) == (
        7, 4, 5, "from the other phone")
