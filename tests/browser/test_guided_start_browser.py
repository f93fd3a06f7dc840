"""A new client's guided start at 390x844 in Chromium, with the real service worker: the first
medication, reminders on this device (Chromium here has no push service, so ``pushManager``
is the stand-in of test_push_device_browser.py; the stored subscription then gets a reminder
the server builds, delivered to the worker over the DevTools protocol), install, the first
check-in, and Today with the planned doses. Then each way reminders can't be turned on, with
its own words and never the connection blamed."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import PushSubscription, User, db
from tend.reminders import messages, planner
from tend.reminders.choices import settings_of
from tend.services import guided_start
from tests.browser.helpers import assert_looks_finished, screenshot
from tests.browser.pwa_helpers import sign_in, wait_for_worker, wait_until
from tests.browser.test_push_browser import notifications, push_to_worker
from tests.browser.test_push_device_browser import FAKE_PUSH
from tests.reminder_helpers import at, reminders


def endpoints_of(person) -> list[str]:
    db.session.rollback()  # a fresh read: the server wrote in another connection
    return db.session.scalars(select(PushSubscription.endpoint)
                              .where(PushSubscription.user_id == person.id)).all()


@pytest.fixture
def new_client(alice, clock):
    """Alice as just after sign-up, at 07:00 on a Monday in London."""
    clock.set(at(7, 0))
    guided_start.begin(db.session, db.session.get(User, alice.id), clock())
    db.session.commit()
    return alice


def test_a_new_client_completes_the_guided_start_and_sees_todays_doses(
        app, page, context, live_server, new_client, clock):
    context.grant_permissions(["notifications"], origin=live_server)
    context.add_init_script(FAKE_PUSH)
    sign_in(page, live_server, new_client)
    page.goto(f"{live_server}/today")
    card = page.locator(".start-card")
    expect(card).to_contain_text("0 of 4 steps done")
    screenshot(page, "guided-start-0-today")
    card.get_by_role("link", name="Continue: Add your first medication").click()

    # 1. The first medication, twice a day.
    expect(page.get_by_role("heading", name="Add your first medication")).to_be_visible()
    assert_looks_finished(page, "guided-start-1-medication")
    page.get_by_label("Name").fill("Sertraline")
    page.get_by_label("Strength").fill("50")
    expect(page.get_by_label("And at")).to_be_hidden()  # once a day: one time
    page.get_by_label("As needed").check()
    expect(page.get_by_label("At", exact=True)).to_be_hidden()
    page.get_by_label("Twice a day").check()
    expect(page.get_by_label("And at")).to_have_value("20:00")
    screenshot(page, "guided-start-1-medication-twice")
    page.get_by_role("button", name="Add this medication").click()

    # 2. Reminders on this device.
    expect(page.get_by_role("heading", name="Turn on reminders on this device")).to_be_visible()
    expect(page.get_by_text("1 of 4 steps done")).to_be_visible()
    expect(page.get_by_text("tap “Taken” or “Snooze” in the notification itself")).to_be_visible()
    wait_for_worker(page)
    assert_looks_finished(page, "guided-start-2-reminders")
    page.get_by_role("button", name="Turn on reminders on this device").click()
    wait_until(lambda: endpoints_of(new_client) == ["https://fcm.googleapis.com/fcm/send/test-1"],
               "the subscription to be stored")
    expect(page.get_by_text("Reminders are on.")).to_be_visible()
    expect(page.get_by_text("2 of 4 steps done")).to_be_visible()
    screenshot(page, "guided-start-2-reminders-on")

    # The stored subscription gets the 08:00 reminder; the real worker shows it.
    planner.plan_all(db.session, clock())
    db.session.commit()
    clock.set(at(8, 0, 5))
    [reminder] = [r for r in reminders() if r.subscription_id is not None][:1]
    with app.test_request_context("/"):  # payloads write times the locale's way
        payload = messages.payload_for(reminder, db.session.get(User, new_client.id),
                                       settings_of(db.session, new_client.id), clock())
    push_to_worker(page, context, live_server, {"v": 1, **payload, "kind": reminder.kind})
    [shown] = notifications(page)
    assert "Sertraline" not in shown["title"] + shown["body"]
    clock.set(at(7, 30))
    page.get_by_role("link", name="Next step").click()

    # 3. Install.
    expect(page.get_by_role("heading", name="Add Tend to this device")).to_be_visible()
    expect(page.get_by_text("choose “Install app” or “Add to Home screen”")).to_be_visible()
    assert_looks_finished(page, "guided-start-3-install")
    page.get_by_role("button", name="It's on this device").click()

    # 4. The first check-in.
    expect(page.get_by_role("heading", name="Do your first check-in")).to_be_visible()
    expect(page.get_by_text("3 of 4 steps done")).to_be_visible()
    assert_looks_finished(page, "guided-start-4-checkin")
    page.get_by_role("link", name="Check in now").click()
    page.get_by_label("Anything else about today? (optional)").fill("First day with Tend.")
    page.get_by_role("button", name="Save check-in").click()

    # Today, with the planned doses and no guide.
    page.wait_for_url("**/today")
    expect(page.get_by_text("Check-in saved.")).to_be_visible()
    doses = page.locator(".dose-list .dose")
    expect(doses).to_have_count(2)
    expect(doses.nth(0)).to_contain_text("8:00")
    expect(doses.nth(1)).to_contain_text("8:00")
    expect(doses.nth(0)).to_contain_text("Sertraline")
    expect(page.locator(".start-card")).to_have_count(0)
    assert_looks_finished(page, "guided-start-5-today")


def open_reminders_step(browser, live_server, person, init_script=None, grant=False):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="en-GB", timezone_id="Europe/London")
    if grant:
        context.grant_permissions(["notifications"], origin=live_server)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    sign_in(page, live_server, person)
    page.goto(f"{live_server}/start/reminders")
    return context, page


def assert_never_blames_the_connection(page):
    assert "connection" not in page.locator("main").inner_text().lower()


BLOCKED_BY_THE_PERSON = """Object.defineProperty(Notification, 'permission',
  {get: () => 'denied'});"""


def test_notifications_blocked_by_the_person_say_where_to_allow_them(
        browser, live_server, new_client):
    context, page = open_reminders_step(browser, live_server, new_client, BLOCKED_BY_THE_PERSON)
    explanation = page.locator("[data-push-denied]")
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("Notifications for Tend are turned off in this browser.")
    expect(explanation).to_contain_text("open the site settings")
    expect(page.get_by_role("button", name="Turn on reminders on this device")).to_be_hidden()
    assert_never_blames_the_connection(page)
    assert_looks_finished(page, "guided-start-2-reminders-blocked-by-you")
    context.close()


def test_notifications_refused_at_the_tap_say_so_and_where_to_allow_them(
        browser, live_server, new_client):
    """No permission granted to this context: Chromium answers "denied" with no prompt."""
    context, page = open_reminders_step(browser, live_server, new_client)
    page.get_by_role("button", name="Turn on reminders on this device").click()
    explanation = page.locator("[data-push-refused]")
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("The browser answered no to notifications for Tend.")
    expect(explanation).to_contain_text("the browser said no without asking")
    expect(page.locator("[data-push-denied]")).to_be_hidden()
    assert_never_blames_the_connection(page)
    assert_looks_finished(page, "guided-start-2-reminders-refused-by-browser")
    assert endpoints_of(new_client) == []
    context.close()


def test_a_browser_without_push_says_it_doesnt_offer_it(browser, live_server, new_client):
    context, page = open_reminders_step(browser, live_server, new_client,
                                        "delete window.PushManager;")
    expect(page.locator("[data-push-unsupported]")).to_contain_text(
        "This browser doesn't offer notifications from websites here.")
    expect(page.get_by_role("button", name="Turn on reminders on this device")).to_be_hidden()
    assert_never_blames_the_connection(page)
    screenshot(page, "guided-start-2-reminders-not-offered")
    context.close()


REFUSES_PUSH = """PushManager.prototype.getSubscription = async () => null;
PushManager.prototype.subscribe = async () => {
  throw new DOMException('Registration failed - permission denied', 'NotAllowedError'); };"""


def test_a_browser_that_allows_notifications_but_refuses_push_says_so(
        browser, live_server, new_client):
    context, page = open_reminders_step(browser, live_server, new_client, REFUSES_PUSH,
                                        grant=True)
    wait_for_worker(page)
    page.get_by_role("button", name="Turn on reminders on this device").click()
    explanation = page.locator("[data-push-blocked]")
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("won't deliver them from Tend")
    assert_never_blames_the_connection(page)
    screenshot(page, "guided-start-2-reminders-push-refused")
    context.close()


def test_a_form_with_three_errors_shows_all_three(page, live_server, alice, clock):
    clock.set(at(9, 0))
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/side-effects/new")
    page.get_by_label("What did you notice?").fill("")
    page.get_by_label("Started on").fill("2026-01-20")
    page.get_by_label("Ended on (optional)").fill("2026-01-18")
    page.get_by_role("button", name="Save").click()
    errors = page.locator(".field-error")
    expect(errors).to_have_count(3)
    expect(page.locator("#symptom-error")).to_have_text("Describe the side effect in a few words.")
    expect(page.locator("#started_on-error")).to_contain_text("That date is in the future")
    expect(page.locator("#ended_on-error")).to_have_text("The end can't be before the start.")
    expect(page.get_by_label("Started on")).to_have_value("2026-01-20")
    assert_looks_finished(page, "form-three-errors-at-once")


NO_NOTIFICATION_ACTIONS = """Object.defineProperty(Notification, 'maxActions',
  {get: () => undefined});"""


def test_a_browser_without_notification_buttons_says_a_reminder_opens_tend(
        browser, live_server, new_client):
    """Firefox and Safari show no buttons in a notification (no ``Notification.maxActions``)."""
    context, page = open_reminders_step(browser, live_server, new_client,
                                        NO_NOTIFICATION_ACTIONS, grant=True)
    expect(page.get_by_text("tapping a reminder opens Tend")).to_be_visible()
    expect(page.get_by_text("in the notification itself")).to_be_hidden()
    context.close()


def test_an_iphone_not_on_the_home_screen_is_told_to_add_tend_first(
        browser, live_server, new_client):
    from tests.browser.test_push_device_browser import IPHONE_SAFARI
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="en-GB", user_agent=IPHONE_SAFARI)
    page = context.new_page()
    sign_in(page, live_server, new_client)
    page.goto(f"{live_server}/start/reminders")
    explanation = page.locator("[data-push-ios]")
    expect(explanation).to_contain_text("reminders come only to Tend on your Home Screen")
    expect(explanation).to_contain_text("Add to Home Screen")
    expect(page.get_by_role("button", name="Turn on reminders on this device")).to_be_hidden()
    assert_never_blames_the_connection(page)
    screenshot(page, "guided-start-2-reminders-iphone-not-installed")
    page.goto(f"{live_server}/start/install")
    expect(page.locator("[data-install-ios]")).to_contain_text("Add to Home Screen")
    screenshot(page, "guided-start-3-install-iphone")
    context.close()
