"""A taper in a real browser at 390x844 (issue 17): Alice takes Sertraline 25 mg, 2 tablets
at 08:00 and 20:00. On 1 December she enters a taper of four steps (1½, 1, ½, ¼ tablet,
weekly from 2 December) in one form; on 9 December, the day the second step starts, Today
shows 1 tablet a dose; she steps back to 1½, then holds there."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from tests.browser.helpers import assert_looks_finished
from tests.browser.records import DECEMBER_FIRST, add_sertraline
from tests.browser.pwa_helpers import sign_in


def test_a_four_step_taper_entered_once_then_stepped_back_and_held(
        page, live_server, app, fixed_time, alice):
    app.config.update(TEND_SESSION_IDLE=timedelta(days=3650),
                      TEND_SESSION_ABSOLUTE=timedelta(days=3650))
    fixed_time(DECEMBER_FIRST)
    med_id = add_sertraline(alice, tablets=2, strength_mg=25, units_on_hand=60)
    sign_in(page, live_server, alice)

    page.goto(f"{live_server}/medications/{med_id}")
    page.get_by_role("link", name="Plan a taper or titration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan the steps")
    page.get_by_label("As a list of amounts").check()
    expect(page.get_by_label("First step: how many per dose")).to_be_hidden()
    page.get_by_label("The amount per dose of each step, in order").fill("1½, 1, ½, ¼")
    page.get_by_label("First step starts on").fill("2026-12-02")
    page.get_by_label("Time between steps").fill("1")
    page.get_by_label("Ask me “How is this step going?” during each step").check()
    page.get_by_label("How many days into each step").fill("5")
    assert_looks_finished(page, "step-plan-form")
    page.get_by_role("button", name="Save the plan").click()

    expect(page.get_by_text("Your plan is saved.")).to_be_visible()
    steps = page.locator(".plan-step .list-title")
    expect(steps).to_have_text([
        "Step 1 · 1½ tablets · from 2 Dec", "Step 2 · 1 tablet · from 9 Dec",
        "Step 3 · ½ tablet · from 16 Dec", "Step 4 · ¼ tablet · from 23 Dec"])
    expect(page.locator(".plan-step").nth(1)).to_contain_text("25 mg")
    expect(page.locator(".facts").first).to_contain_text("From 2 Dec: 1½ × 25 mg")
    assert_looks_finished(page, "step-plan-medication")

    fixed_time(datetime(2026, 12, 9, 7, 0, tzinfo=timezone.utc))  # step 2's first morning
    page.goto(f"{live_server}/today")
    expect(page.get_by_text("1 tablet", exact=True)).to_have_count(2)
    assert_looks_finished(page, "step-plan-today")

    fixed_time(datetime(2026, 12, 14, 9, 0, tzinfo=timezone.utc))
    page.goto(f"{live_server}/medications/{med_id}")
    current = page.locator('.plan-step[aria-current="step"]')
    expect(current).to_contain_text("Step 2 · 1 tablet")
    expect(current.get_by_role("link", name="How is this step going?")).to_be_visible()
    page.get_by_role("button", name="Step back to the previous dose").click()
    expect(page.get_by_text("Stepped back.")).to_be_visible()
    expect(page.locator('.plan-step[aria-current="step"]')).to_contain_text(
        "Step 1 · 1½ tablets")
    expect(steps.nth(1)).to_have_text("Step 2 · 1 tablet · from 21 Dec")
    page.get_by_role("button", name="Hold here").click()
    expect(page.get_by_text("Held at this step")).to_be_visible()
    expect(page.locator(".plan-step-not_planned")).to_have_count(3)
    expect(page.locator(".facts").first).not_to_contain_text("Coming up")
    assert_looks_finished(page, "step-plan-held")

    page.goto(f"{live_server}/today")
    expect(page.locator(".dose-name").last).to_have_text("Sertraline 25 mg")
    expect(page.get_by_text("1½ tablets", exact=True).last).to_be_visible()
