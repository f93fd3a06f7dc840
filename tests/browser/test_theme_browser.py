"""Easy on the eyes at night, and ready for right-to-left: the main pages of each role in the
dark theme (the device's setting, or the account's choice) with no serious or critical axe
violation and charts drawn in the theme's colours, and Today in a right-to-left language with
nothing sticking out sideways."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from models import Category, Role, User, db
from tend.services import journal
from tests.browser.helpers import assert_accessible, assert_fits_phone, screenshot
from tests.browser.pwa_helpers import sign_in, wait_for_kept_today, wait_for_worker
from tests.conftest import make_person
from tests.sharing_world import NOW, link, seed_record

LAPTOP = {"width": 1280, "height": 800}
ALL_SHARED = (Category.MEDICATIONS, Category.DOSE_LOG, Category.SIDE_EFFECTS, Category.SLEEP,
              Category.NOTES)
# How light a colour is (WCAG relative luminance), from the browser's computed "rgb(r, g, b)".
LUMINANCE = """(colour) => {
  const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => v / 255)
    .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""
PAGE_COLOURS = """() => ({
  background: getComputedStyle(document.documentElement).backgroundColor,
  text: getComputedStyle(document.body).color,
  chartLines: [...document.querySelectorAll('.chart-line, .chart-point')]
    .map(el => getComputedStyle(el).stroke !== 'none' ? getComputedStyle(el).stroke
                                                      : getComputedStyle(el).fill),
  chartText: [...document.querySelectorAll('.chart-label, .chart-row-label')]
    .map(el => getComputedStyle(el).fill),
})"""


def luminance(page, colour: str) -> float:
    return page.evaluate(LUMINANCE, colour)


def assert_dark(page) -> dict:
    """Light text on a dark page; chart lines and labels light enough to read on it."""
    colours = page.evaluate(PAGE_COLOURS)
    assert luminance(page, colours["background"]) < 0.05, colours
    assert luminance(page, colours["text"]) > 0.6, colours
    for colour in colours["chartText"] + colours["chartLines"]:
        assert luminance(page, colour) > 0.2, colours
    return colours


def assert_light(page) -> None:
    colours = page.evaluate(PAGE_COLOURS)
    assert luminance(page, colours["background"]) > 0.8, colours
    assert luminance(page, colours["text"]) < 0.05, colours


@pytest.fixture
def record(app, clock, alice):
    """The shared world's record, and a week of check-ins so Insights draws its charts (it
    draws one once a measure has five days)."""
    clock.set(NOW)
    seed_record(alice)
    client = db.session.get(User, alice.id)
    for back in range(1, 8):
        day = NOW.date() - timedelta(days=back)
        journal.save_checkin(db.session, client, day, {
            "sleep_hours": Decimal(7), "sleep_quality": 3, "energy": 3 + back % 2, "mood": 3,
            "work": 3, "relationships": 4, "self_care": 4, "note": ""},
            NOW - timedelta(days=back))
    db.session.commit()
    return alice


CLIENT_PAGES = [("today", "/today"), ("history", "/history"), ("insights", "/insights"),
                ("checkin", "/checkin"), ("medication-form", "/medications/new"),
                ("sharing", "/sharing/"), ("account", "/account")]


def test_the_clients_pages_follow_a_dark_device_and_pass_axe(page, live_server, record):
    sign_in(page, live_server, record)
    for name, path in CLIENT_PAGES:
        page.emulate_media(color_scheme="light")
        page.goto(live_server + path)
        assert_light(page)
        screenshot(page, f"theme-light-{name}")
        page.emulate_media(color_scheme="dark")
        assert_dark(page)
        screenshot(page, f"theme-dark-{name}")
        assert_accessible(page)
    page.goto(f"{live_server}/insights")
    assert len(page.evaluate(PAGE_COLOURS)["chartLines"]) > 0  # the charts were checked


def test_the_accounts_choice_wins_over_the_device(page, live_server, record):
    sign_in(page, live_server, record)
    page.emulate_media(color_scheme="light")
    page.goto(f"{live_server}/account")
    page.get_by_label("Dark", exact=True).check()
    page.get_by_role("button", name="Save").nth(1).click()
    page.wait_for_url("**/account")
    assert_dark(page)
    page.goto(f"{live_server}/today")
    assert_dark(page)
    assert_accessible(page)
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server}/account")
    page.get_by_label("Light", exact=True).check()
    page.get_by_role("button", name="Save").nth(1).click()
    page.wait_for_url("**/account")
    assert_light(page)


@pytest.mark.parametrize("role,viewport", [(Role.THERAPIST, LAPTOP), (Role.CAREGIVER, None)],
                         ids=["therapist-1280", "caregiver-390"])
def test_a_supporters_pages_in_the_dark_pass_axe(app, browser, browser_context_args,
                                                  live_server, record, role, viewport):
    supporter = make_person(f"{role.value}@example.com", "Sam Supporter", role)
    link(record, supporter, ALL_SHARED)
    settings = {**browser_context_args, "color_scheme": "dark"}
    if viewport:
        settings.update(viewport=viewport, is_mobile=False, has_touch=False)
    context = browser.new_context(**settings)
    page = context.new_page()
    sign_in(page, live_server, supporter)
    for name, path in [("home", "/care/"), ("client", f"/care/clients/{record.id}"),
                       ("update", f"/care/clients/{record.id}/update")]:
        page.goto(live_server + path)
        assert_dark(page)
        screenshot(page, f"theme-dark-{role.value}-{name}")
        assert_accessible(page)
    context.close()


def test_today_reads_right_to_left_without_sticking_out(page, live_server, record):
    user = db.session.get(User, record.id)
    user.locale = "he"  # a right-to-left language (no catalogue yet: the words stay English)
    db.session.commit()
    sign_in(page, live_server, record)
    page.goto(f"{live_server}/today")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert_fits_phone(page)
    outside = page.evaluate("""() => [...document.querySelectorAll('main *, header *, nav *')]
      .filter(el => el.offsetParent !== null)
      .map(el => [el.outerHTML.slice(0, 60), el.getBoundingClientRect()])
      .filter(([, r]) => r.width && (r.left < -1 || r.right > innerWidth + 1))
      .map(([what]) => what)""")
    assert outside == []
    # Sides follow the writing direction: the skip link appears at the right-hand edge.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link").bounding_box()
    assert skip["x"] + skip["width"] > 390 - 20, skip
    screenshot(page, "theme-rtl-today")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "theme-rtl-today-dark")
    page.goto(f"{live_server}/insights")  # charts keep their own left-to-right drawing
    assert_fits_phone(page)
    assert page.evaluate("getComputedStyle(document.querySelector('.chart-svg')).direction") \
        == "ltr"
    screenshot(page, "theme-rtl-insights-dark")


def test_the_offline_page_follows_the_device_and_the_choice_kept_on_the_phone(page, live_server,
                                                                              record):
    sign_in(page, live_server, record)
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server}/today")
    wait_for_worker(page)
    wait_for_kept_today(page)
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    page.wait_for_selector("html[data-offline-ready]", state="attached")
    assert_dark(page)  # no choice made: as the device is set
    expect(page.locator("[data-offline-doses] > li").first).to_contain_text(
        re.compile(r"8:00\sAM"))  # the time of day as Today writes it
    screenshot(page, "theme-dark-offline")
    assert_accessible(page)
    page.context.set_offline(False)
    account = page.context.new_page()
    account.goto(f"{live_server}/account")
    account.get_by_label("Light", exact=True).check()
    account.get_by_role("button", name="Save").nth(1).click()
    account.wait_for_url("**/account")
    account.close()
    page.context.set_offline(True)
    page.goto(f"{live_server}/today")
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    assert_light(page)  # the account's choice, kept on this phone
