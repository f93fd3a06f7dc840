"""My plan for hard times on a phone: written and reordered in the page, printed from its own
button, opened offline after one online visit (with the latest edits), gone from the phone
at sign-out; and read by the therapist it is shared with."""
import re
from datetime import datetime, timezone

from playwright.sync_api import expect

from models import Category
from tests.browser.helpers import assert_accessible, assert_looks_finished, screenshot
from tests.browser.pwa_helpers import (offline_database, sign_in, sign_out, wait_for_shell,
                                       wait_for_worker, wait_until)
from tests.sharing_world import link

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
RECORD_PRINTS = """() => { window.printed = 0; window.print = () => { window.printed += 1; }; }"""


def add(page, opener: str, text: str) -> None:
    section = page.locator("section.plan-section").filter(has_text=opener)
    section.get_by_text(opener, exact=True).click()
    section.get_by_label("In your own words").fill(text)
    section.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Added to your plan.")).to_be_visible()


def entries(page, section: str) -> list[str]:
    return page.locator(f'[data-plan-section="{section}"] .plan-text').all_inner_texts()


def wait_until_kept(page) -> None:
    page.wait_for_selector("html[data-plan-kept]", state="attached")


def test_the_plan_is_written_printed_and_opens_offline_after_one_visit(page, live_server,
                                                                      alice, clock):
    clock.set(NOW)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/more")
    page.get_by_role("link", name="My plan for hard times").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My plan for hard times")
    wait_for_worker(page)
    expect(page.get_by_text("Who can see it: only you.")).to_be_visible()
    assert_accessible(page)
    assert_looks_finished(page, "plan-empty")

    add(page, "Add a warning sign", "Sleeping badly for a few nights")
    add(page, "Add a warning sign", "Not answering messages")
    add(page, "Add something that helps", "A walk by the river")
    add(page, "Add a professional or service", "Dr Lee, 020 7946 0000, weekdays")
    page.get_by_role("button", name=re.compile(r"^Move up\W+Not answering messages$")).click()
    assert entries(page, "warning_signs") == ["Not answering messages",
                                              "Sleeping badly for a few nights"]

    people = page.locator('[data-plan-section="people_places"]')
    people.get_by_text("Add a person or place", exact=True).click()
    people.get_by_role("button", name="Add").click()  # nothing written: said at the field
    expect(people.locator(".field-error")).to_have_text("Write a few words first.")
    assert_accessible(page)
    screenshot(page, "plan-field-error")

    page.get_by_role("link", name=re.compile(r"^Change\W+A walk by the river$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change an entry")
    assert_accessible(page)
    assert_looks_finished(page, "plan-edit")
    page.get_by_label("In your own words").fill("A walk by the river, with music")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A walk by the river, with music", exact=True)).to_be_visible()
    wait_until_kept(page)
    assert_accessible(page)
    assert_looks_finished(page, "plan-filled")

    page.evaluate(RECORD_PRINTS)
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    expect(page.get_by_text("A walk by the river, with music", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator(".plan-add").first).to_be_hidden()
    expect(page.get_by_text("Who can see it: only you.")).to_be_hidden()
    screenshot(page, "plan-print")
    page.emulate_media(media="screen")

    page.context.set_offline(True)
    safer = page.locator('[data-plan-section="safer"]')
    safer.get_by_text("Add a step", exact=True).click()
    safer.get_by_label("In your own words").fill("Ask Jo to keep the spare tablets")
    safer.get_by_role("button", name="Add").click()  # held back, with a line saying why
    expect(page.get_by_text("Your plan can be changed once you're back online")).to_be_visible()
    expect(safer.get_by_label("In your own words")).to_have_value(
        "Ask Jo to keep the spare tablets")

    page.reload()
    expect(page.get_by_text("No connection just now.")).to_be_visible()
    page.wait_for_selector("html[data-plan-ready]", state="attached")
    assert entries(page, "warning_signs") == ["Not answering messages",
                                              "Sleeping badly for a few nights"]
    assert entries(page, "what_helps") == ["A walk by the river, with music"]
    expect(page.get_by_text("People to be with and places to go")).to_be_visible()
    assert_accessible(page)
    assert_looks_finished(page, "plan-offline")
    page.emulate_media(media="print")
    screenshot(page, "plan-offline-print")
    page.emulate_media(media="screen")

    page.context.set_offline(False)
    page.goto(f"{live_server}/help/plan")
    wait_for_shell(page)
    sign_out(page)
    wait_until(lambda: not (offline_database(page) or {}).get("snapshots"),
               "the plan is gone from the phone")


def test_another_account_on_the_phone_never_sees_the_plan_kept_there(page, live_server, alice,
                                                                      dave, clock):
    clock.set(NOW)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/help/plan")
    wait_for_worker(page)
    add(page, "Add a step", "Give the spare tablets to Jo")
    wait_until_kept(page)
    # The session runs out on the server (no sign-out on this phone): Dave signs in next.
    page.context.clear_cookies()
    sign_in(page, live_server, dave)
    page.goto(f"{live_server}/today")
    wait_for_worker(page)
    wait_for_shell(page)
    page.context.set_offline(True)
    page.goto(f"{live_server}/help/plan")
    page.wait_for_selector("html[data-plan-ready]", state="attached")
    expect(page.get_by_text("Your plan isn't kept on this phone yet.")).to_be_visible()
    expect(page.get_by_text("Give the spare tablets to Jo")).to_have_count(0)


def test_the_therapist_reads_the_shared_plan_on_the_client_page(browser, browser_context_args,
                                                                live_server, alice, bob, clock):
    clock.set(NOW)
    link(alice, bob, [Category.SAFETY_PLAN, Category.SLEEP], from_date=None, now=NOW)
    phone = browser.new_context(**browser_context_args).new_page()
    sign_in(phone, live_server, alice)
    phone.goto(f"{live_server}/help/plan")
    add(phone, "Add a warning sign", "Sleeping badly for a few nights")
    add(phone, "Add a person or place", "Sam, for a coffee")
    expect(phone.get_by_text("Who can see it: you, and Bob Lee")).to_be_visible()

    desk = browser.new_context(**{**browser_context_args, "viewport": {"width": 1280,
                                                                        "height": 800},
                                  "is_mobile": False, "has_touch": False}).new_page()
    sign_in(desk, live_server, bob)
    desk.goto(f"{live_server}/care/clients/{alice.id}")
    plan = desk.locator('[data-category="safety_plan"]')
    expect(plan.get_by_role("heading", name="Alice's plan for hard times")).to_be_visible()
    expect(plan.get_by_text("Sam, for a coffee")).to_be_visible()
    expect(plan.locator("form, textarea")).to_have_count(0)
    assert_accessible(desk)
    plan.scroll_into_view_if_needed()
    screenshot(desk, "care-client-plan")
