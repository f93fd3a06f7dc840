"""A client whose account is on New York time opens Today on a phone set to Tokyo time."""
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from models import Role, User, db
from tests.browser.helpers import assert_looks_finished, screenshot
from tests.conftest import make_person
from tests.records import add_medication

NEW_YORK = "America/New_York"
NOW = datetime.combine(datetime(2026, 1, 15).date(), time(8, 0),
                       tzinfo=ZoneInfo(NEW_YORK)).astimezone(timezone.utc)
NOTICE = "Your phone is on Tokyo time. Your doses follow New York time."


@pytest.fixture
def nia(app, clock):
    clock.set(NOW)
    person = make_person("nia@example.com", "Nia", Role.CLIENT, tz=NEW_YORK)
    add_medication(person, NOW, times=("21:00",))
    return person


def sign_in(page, live_server, person):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {person.name}")


@pytest.mark.browser_context_args(timezone_id="Asia/Tokyo")
def test_today_offers_to_follow_the_phones_zone_and_moves_the_doses(page, live_server, nia):
    sign_in(page, live_server, nia)
    notice = page.locator(".zone-notice")
    expect(notice).to_contain_text(NOTICE)
    expect(page.locator(".dose")).to_contain_text("9:00\u202fPM")
    assert_looks_finished(page, "zone-notice-today")
    notice.get_by_role("button", name="Follow Tokyo time").click()
    expect(page.get_by_text("Your doses now follow Tokyo time.")).to_be_visible()
    expect(page.locator(".zone-notice")).to_have_count(0)  # the phone and account agree
    db.session.expire_all()
    assert db.session.get(User, nia.id).timezone == "Asia/Tokyo"
    screenshot(page, "zone-notice-after-follow")


@pytest.mark.browser_context_args(timezone_id="Asia/Tokyo")
def test_keeping_home_times_from_the_notice_keeps_new_york_and_shows_the_time_here(
        page, live_server, nia):
    sign_in(page, live_server, nia)
    page.locator(".zone-notice").get_by_role("button", name="Keep New York times").click()
    expect(page.get_by_text("Your doses stay at New York times while you're in Tokyo.")) \
        .to_be_visible()
    expect(page.locator(".zone-notice")).to_have_count(0)
    expect(page.locator(".dose-time-here")).to_contain_text("here")  # 11:00 AM in Tokyo
    db.session.expire_all()
    user = db.session.get(User, nia.id)
    assert (user.timezone, user.travel_timezone) == (NEW_YORK, "Asia/Tokyo")


@pytest.mark.browser_context_args(timezone_id="Asia/Tokyo")
def test_dont_ask_again_hides_the_notice_for_that_zone_on_this_phone(page, live_server, nia):
    sign_in(page, live_server, nia)
    page.get_by_role("button", name="Don't ask again for Tokyo").click()
    expect(page.locator(".zone-notice")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    page.reload()
    expect(page.locator(".dose")).to_contain_text("9:00\u202fPM")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".zone-notice")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(User, nia.id).timezone == NEW_YORK  # nothing changed


@pytest.mark.browser_context_args(timezone_id=NEW_YORK)
def test_no_notice_when_the_phone_is_on_the_accounts_zone(page, live_server, nia):
    sign_in(page, live_server, nia)
    page.wait_for_load_state("networkidle")
    expect(page.locator(".zone-notice")).to_have_count(0)


@pytest.mark.browser_context_args(timezone_id="Asia/Tokyo", java_script_enabled=False)
def test_without_script_there_is_no_notice_and_today_works(page, live_server, nia):
    sign_in(page, live_server, nia)
    expect(page.locator(".dose")).to_contain_text("9:00\u202fPM")
    expect(page.get_by_text(NOTICE)).to_have_count(0)
