"""Anna took her dose at 8:32 in Amsterdam, then moved to Tokyo: her therapist in London and
Anna herself see it at the time it was, where it was."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from models import Category, Role, User, db
from tests.browser.helpers import assert_looks_finished, screenshot
from tests.conftest import make_person
from tests.sharing_world import link
from tests.test_zone_display import DAY, anna  # noqa: F401  (the fixture)

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False,
           "has_touch": False, "device_scale_factor": 1}


def sign_in(page, live_server, person, heading):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


@pytest.mark.browser_context_args(**DESKTOP)
def test_the_therapist_reads_the_dose_log_on_the_clients_clocks(page, live_server, anna):  # noqa: F811
    bob = make_person("bob@example.com", "Bob Lee", Role.THERAPIST, tz="Europe/London")
    link(db.session.get(User, anna.id), bob, [Category.MEDICATIONS, Category.DOSE_LOG],
         from_date=DAY - timedelta(days=1))
    sign_in(page, live_server, bob, "Your clients")
    page.get_by_role("link", name="Anna").click()
    expect(page.get_by_text("Times are in Tokyo time, Anna's time zone.")).to_be_visible()
    log = page.locator('[aria-labelledby="doselog-heading"]')
    expect(log).to_contain_text("8:32\u202fAM, Amsterdam time")
    expect(log).to_contain_text("11:30\u202fPM, Amsterdam time")
    expect(page.locator('[aria-labelledby="today-heading"]')).to_contain_text(
        "7:00\u202fAM, Amsterdam time")
    screenshot(page, "zone-therapist-client-page")


def test_editing_the_dose_shows_its_amsterdam_time_at_the_field(page, live_server, anna):  # noqa: F811
    sign_in(page, live_server, anna, "Hello, Anna")
    page.goto(f"{live_server}/history?until={DAY.isoformat()}")
    day = page.locator(f'[aria-labelledby="day-{DAY.isoformat()}"]')
    expect(day).to_contain_text("Taken at 8:32\u202fAM, Amsterdam time")
    expect(day).to_contain_text("11:30\u202fPM, Amsterdam time")
    screenshot(page, "zone-history-past-day")
    day.get_by_role("link", name="Edit Sertraline").click()
    field = page.get_by_label("When")
    expect(field).to_have_value("2026-01-15T08:32")
    expect(field).to_have_accessible_description(
        "Enter the time as the clock read in Amsterdam.")
    assert_looks_finished(page, "zone-dose-edit")
    field.fill("2026-01-15T07:45")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes are saved.")).to_be_visible()
    page.goto(f"{live_server}/history?until={DAY.isoformat()}")
    expect(page.locator(f'[aria-labelledby="day-{DAY.isoformat()}"]')).to_contain_text(
        "Taken at 7:45\u202fAM, Amsterdam time")
