"""The daily check-in reminder in Chromium at phone size: set on the reminders page, then the
real payload pushed to the service worker (DevTools protocol), pointing at that day's
check-in."""
import re
from datetime import time

from playwright.sync_api import expect

from models import CheckinReminder, User, db
from tend.reminders import messages, preferences
from tend.reminders.choices import settings_of
from tests.browser.helpers import SCREENSHOTS, assert_looks_finished
from tests.browser.pwa_helpers import sign_in, wait_for_worker
from tests.browser.test_push_browser import Device, notifications, push_to_worker
from tests.reminder_helpers import MONDAY, at, reminders, subscribe


def test_the_client_turns_the_checkin_reminder_on_and_the_page_looks_finished(
        page, live_server, alice, clock):
    clock.set(at(12, 0))
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    section = page.locator("#checkin-reminder")
    expect(section.get_by_text("A moment for today's check-in?")).to_be_visible()
    section.get_by_label("Remind me to check in").check()
    section.get_by_label("Reminder time", exact=True).fill("21:30")
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text(re.compile(r"You'll get a check-in reminder at (21:30|9:30\sPM)"))
           ).to_be_visible()
    expect(section.get_by_label("Remind me to check in")).to_be_checked()
    db.session.commit()
    rule = db.session.get(CheckinReminder, alice.id)
    assert (rule.enabled, rule.local_time) == (True, time(21, 30))
    assert_looks_finished(page, "reminders-checkin")
    section.screenshot(path=str(SCREENSHOTS / "reminders-checkin-section.png"))

    section.get_by_label("Reminder time", exact=True).fill("")
    page.get_by_role("button", name="Save reminder settings").click()
    expect(section.get_by_text("Choose a time for the reminder, like 20:00.")).to_be_visible()
    expect(section.get_by_label("Reminder time", exact=True)).to_have_attribute(
        "aria-invalid", "true")
    expect(section.get_by_label("Remind me to check in")).to_be_checked()  # kept as sent
    assert_looks_finished(page, "reminders-checkin-error")
    section.screenshot(path=str(SCREENSHOTS / "reminders-checkin-section-error.png"))


def test_a_pushed_checkin_reminder_opens_that_days_checkin(app, page, context, live_server,
                                                           alice, clock):
    clock.set(at(19, 0))
    subscribe(alice, Device(), clock())
    preferences.save_checkin_reminder(db.session, db.session.get(User, alice.id), enabled=True,
                                      local_time=time(20, 0), now=clock())
    db.session.commit()
    [reminder] = reminders()
    clock.set(at(20, 0, 5))
    with app.test_request_context("/"):
        payload = messages.payload_for(reminder, db.session.get(User, alice.id),
                                       settings_of(db.session, alice.id), clock())

    context.grant_permissions(["notifications"], origin=live_server)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    wait_for_worker(page)
    push_to_worker(page, context, live_server, payload)
    [shown] = notifications(page)
    assert (shown["title"], shown["body"], shown["actions"]) == (
        "Tend", "A moment for today's check-in?", [])
    assert shown["data"]["url"] == f"/checkin/{MONDAY.isoformat()}"

    # A tap opens data.url (pwa/sw-push.js, shared with dose reminders; headless Chromium
    # lets no synthetic click focus a window): that day's check-in form.
    page.goto(live_server + shown["data"]["url"])
    expect(page.get_by_role("button", name=re.compile("Save"))).to_be_visible()
    assert page.url.endswith(f"/checkin/{MONDAY.isoformat()}")
