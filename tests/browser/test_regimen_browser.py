"""A dose change that starts tomorrow, in a real browser: Alice records Sertraline 75 mg from
2 December on 1 December; Today, her medications, her appointment summary and her
therapist's prescriber update all keep 50 mg as today's dose and show 75 mg as coming."""
from datetime import date

from playwright.sync_api import expect

from models import Category, User, db
from tests.browser.helpers import assert_looks_finished
from tests.browser.records import DECEMBER_FIRST, add_sertraline
from tests.browser.pwa_helpers import sign_in
from tests.sharing_world import link


def test_a_change_from_tomorrow_shows_as_coming_not_as_todays_dose(
        browser, browser_context_args, page, live_server, clock, alice, bob):
    clock.set(DECEMBER_FIRST)
    med_id = add_sertraline(alice, tablets=1, strength_mg=50, units_on_hand=30)
    db.session.get(User, bob.id).locale = "en_GB"
    link(db.session.get(User, alice.id), bob, [Category.MEDICATIONS],
         from_date=date(2026, 11, 1), now=DECEMBER_FIRST)
    sign_in(page, live_server, alice)

    page.goto(f"{live_server}/medications/{med_id}/change")
    page.get_by_label("From", exact=True).fill("2026-12-02")
    page.get_by_label("Strength").fill("75")
    page.get_by_label("Why it changed (optional)").fill("Agreed with Dr Lee")
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("The new dose applies from 2 Dec 2026")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sertraline 50 mg")
    expect(page.locator(".facts").first).to_contain_text("Coming upFrom 2 Dec: 75 mg")
    assert_looks_finished(page, "regimen-medication")

    page.goto(f"{live_server}/medications")
    expect(page.get_by_role("link", name="Sertraline 50 mg")).to_be_visible()
    expect(page.get_by_text("From 2 Dec: 75 mg")).to_be_visible()
    assert_looks_finished(page, "regimen-medications")

    page.goto(f"{live_server}/today")
    expect(page.locator(".dose-name")).to_have_text(["Sertraline 50 mg", "Sertraline 50 mg"])
    expect(page.get_by_text("From 2 Dec: 75 mg").first).to_be_visible()
    assert_looks_finished(page, "regimen-today")

    page.goto(f"{live_server}/appointment/summary")
    summary = page.locator(".summary")
    expect(summary).to_contain_text("Sertraline 50 mg")
    expect(summary).not_to_contain_text("Sertraline 75 mg")
    expect(summary).to_contain_text("Scheduled: from 2 Dec, 75 mg")
    assert_looks_finished(page, "regimen-appointment-summary")

    therapist = browser.new_context(**{**browser_context_args,
                                       "viewport": {"width": 1280, "height": 800},
                                       "is_mobile": False, "has_touch": False})
    update = therapist.new_page()
    sign_in(update, live_server, bob)
    update.goto(f"{live_server}/care/clients/{alice.id}/update")
    meds = update.locator("#meds-heading + .list")
    expect(meds).to_contain_text("Sertraline 50 mg")
    expect(meds).to_contain_text("From 2 Dec: 75 mg")
    expect(update.get_by_text("No changes in this period.")).to_be_visible()
    expect(update.get_by_text("Scheduled: from 2 Dec, 75 mg")).to_be_visible()
    assert_looks_finished(update, "regimen-prescriber-update")
    therapist.close()
