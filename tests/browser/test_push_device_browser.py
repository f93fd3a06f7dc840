"""Reminders that notice they stopped, and Safari's path, in Chromium with the real service
worker. Chromium here has no push service, so ``pushManager`` is replaced in the page by a
stand-in that hands out subscriptions to FCM-looking endpoints (and remembers them across
pages, as a browser does); everything else (the app-open check, the server, the worker's
push and pushsubscriptionchange handlers) is the real thing."""
import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import DoseEvent, DoseStatus, PushSubscription, User, db
from tend.push import subscriptions
from tend.reminders import choices, messages, planner
from tests.browser.helpers import SCREENSHOTS, assert_fits_phone, screenshot
from tests.browser.pwa_helpers import sign_in, wait_for_worker, wait_until
from tests.browser.test_push_browser import notifications, push_to_worker
from tests.reminder_helpers import add_medication, at, first_dose, reminders

IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1")

# A stand-in push manager: subscribe() makes a new endpoint, getSubscription() returns the
# current one, unsubscribe() drops it; kept in localStorage so every page sees the same.
FAKE_PUSH = """(() => {
  const KEY = 'test-fake-push';
  const keys = {p256dh: 'B' + 'Q'.repeat(86), auth: 'R'.repeat(22)};
  function make(endpoint) {
    return {endpoint, options: {applicationServerKey: new Uint8Array([4, 1, 2]).buffer},
            toJSON: () => ({endpoint, keys}),
            unsubscribe: async () => { localStorage.removeItem(KEY); return true; }};
  }
  PushManager.prototype.getSubscription = async function () {
    const endpoint = localStorage.getItem(KEY);
    return endpoint ? make(endpoint) : null;
  };
  PushManager.prototype.subscribe = async function () {
    const n = Number(localStorage.getItem(KEY + '-n') || 0) + 1;
    localStorage.setItem(KEY + '-n', String(n));
    const endpoint = 'https://fcm.googleapis.com/fcm/send/test-' + n;
    localStorage.setItem(KEY, endpoint);
    return make(endpoint);
  };
})();"""


def endpoints_of(person) -> list[str]:
    db.session.rollback()  # a fresh read: the server wrote in another connection
    return db.session.scalars(select(PushSubscription.endpoint)
                              .where(PushSubscription.user_id == person.id)).all()


@pytest.fixture
def phone(context, live_server):
    context.grant_permissions(["notifications"], origin=live_server)
    context.add_init_script(FAKE_PUSH)
    return context


def test_today_turns_reminders_on_here_in_one_tap(page, phone, live_server, alice, clock):
    clock.set(at(7, 0))
    add_medication(alice, clock(), times=("08:00",))
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/today")
    notice = page.locator("[data-push-here]")
    expect(notice).to_contain_text("No device gets your reminders at the moment.")
    button = notice.get_by_role("button", name="Turn on reminders here")
    expect(button).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "today-reminders-reach-no-device")

    button.click()  # the one tap
    wait_until(lambda: endpoints_of(alice) == ["https://fcm.googleapis.com/fcm/send/test-1"],
               "the subscription to be stored")
    expect(page.locator("[data-push-here]")).to_have_count(0)  # reloaded: reminders are on
    assert [r.subscription_id is not None for r in reminders()][:1] == [True]


def test_a_subscription_the_server_lost_is_re_registered_when_the_app_opens(
        page, phone, live_server, alice, clock):
    clock.set(at(7, 0))
    add_medication(alice, clock(), times=("08:00",))
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    page.get_by_role("button", name="Turn on reminders on this device").click()
    wait_until(lambda: len(endpoints_of(alice)) == 1, "the first subscription")
    [first] = endpoints_of(alice)

    # The push service ends it (a 410): the server forgets it; the browser doesn't know.
    subscriptions.forget(db.session, db.session.scalar(select(PushSubscription)),
                         ended=at(8, 0))
    db.session.commit()

    reopened = phone.new_page()  # the app opened again: nothing to tap
    reopened.goto(f"{live_server}/today")
    wait_until(lambda: endpoints_of(alice) not in ([], [first]), "a silent re-registration")
    [renewed] = endpoints_of(alice)
    assert renewed == "https://fcm.googleapis.com/fcm/send/test-2"
    reopened.reload()
    expect(reopened.get_by_text("Reminders stopped reaching")).to_have_count(0)
    expect(reopened.locator("[data-push-here]")).to_have_count(0)


def test_the_worker_reports_a_replaced_subscription_without_a_session(
        page, phone, live_server, alice, clock):
    clock.set(at(7, 0))
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    wait_for_worker(page)
    page.get_by_role("button", name="Turn on reminders on this device").click()
    wait_until(lambda: len(endpoints_of(alice)) == 1, "the subscription")
    sub = db.session.scalar(select(PushSubscription))

    page.context.clear_cookies()  # no session: the old subscription's secret is the proof
    [worker] = [w for w in phone.service_workers if w.url.endswith("/sw.js")]
    worker.evaluate("""async ([endpoint, auth]) => {
        const keys = {p256dh: 'B' + 'N'.repeat(86), auth: 'N'.repeat(22)};
        const fresh = {endpoint: 'https://fcm.googleapis.com/fcm/send/renewed',
                       options: {}, toJSON: () => ({endpoint: fresh.endpoint, keys})};
        const old = {endpoint, options: {applicationServerKey: new Uint8Array([4]).buffer},
                     toJSON: () => ({endpoint, keys: {p256dh: 'B' + 'Q'.repeat(86), auth}})};
        self.registration.pushManager.subscribe = async () => fresh;
        const event = new ExtendableEvent('pushsubscriptionchange');
        Object.defineProperty(event, 'oldSubscription', {value: old});
        Object.defineProperty(event, 'newSubscription', {value: null});
        try { self.dispatchEvent(event); } catch (error) { /* waitUntil on a synthetic event */ }
    }""", [sub.endpoint, sub.auth])
    wait_until(lambda: endpoints_of(alice) == ["https://fcm.googleapis.com/fcm/send/renewed"],
               "the worker to report the new subscription")
    db.session.rollback()
    assert db.session.get(PushSubscription, sub.id).auth == "N" * 22  # the same row, moved


def test_the_declarative_fields_leave_the_chromium_path_intact(app, page, phone, live_server,
                                                               alice, clock):
    """Chromium has no declarative push: its worker shows its own fields, with the buttons,
    and a tap on the notification opens Today (Chromium shows buttons)."""
    clock.set(at(7, 0))
    med = add_medication(alice, clock(), name="Quetiapine")
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    wait_for_worker(page)
    page.get_by_role("button", name="Turn on reminders on this device").click()
    wait_until(lambda: len(endpoints_of(alice)) == 1, "the subscription")
    [reminder] = [r for r in reminders() if r.due_at == at(8, 0)]
    with app.test_request_context("/", base_url=live_server):  # as the dispatcher builds it
        payload = messages.payload_for(reminder, db.session.get(User, alice.id),
                                       choices.settings_of(db.session, alice.id), at(8, 0))
    assert payload["web_push"] == 8030 and payload["notification"]["navigate"].endswith(
        f"/reminders/dose/{first_dose(med).id}")
    payload["notification"] = {**payload["notification"], "title": "Declarative title",
                               "body": "declarative body"}

    push_to_worker(page, phone, live_server, payload)
    [shown] = notifications(page)
    assert shown["title"] == "Tend" and shown["body"].startswith("Time for your 8:00")
    assert shown["actions"] == ["taken", "snooze"]
    assert shown["data"]["url"] == f"/today?dose={first_dose(med).id}"
    assert "declarative" not in json.dumps(shown)


def test_safaris_tap_opens_the_confirm_screen_from_a_cold_start(browser, live_server, alice,
                                                                clock):
    clock.set(at(7, 0))
    med = add_medication(alice, clock(), times=("08:00",))
    dose = first_dose(med)
    clock.set(at(8, 1))
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="en-US", user_agent=IPHONE_SAFARI)
    page = context.new_page()
    page.goto(f"{live_server}/reminders/dose/{dose.id}")  # the notification's navigate URL
    page.get_by_label("E-mail").fill(alice.email)
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Log the 8:00\u202fAM dose as taken?")).to_be_visible()
    for name in ("Taken", "Skip"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Not now")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "reminder-confirm-dose")

    page.get_by_role("button", name="Taken", exact=True).click()
    page.wait_for_url(f"{live_server}/today#dose-{dose.id}")
    expect(page.get_by_text("Sertraline taken at 8:01")).to_be_visible()
    db.session.rollback()
    event = db.session.scalar(select(DoseEvent))
    assert (event.status, event.planned_dose_id) == (DoseStatus.TAKEN, dose.id)
    context.close()


def test_ios_safari_not_on_the_home_screen_explains_add_to_home_screen_first(
        browser, live_server, alice):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="en-US", user_agent=IPHONE_SAFARI)
    page = context.new_page()
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    explanation = page.locator("[data-push-ios]")
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("Tap Share")
    expect(explanation).to_contain_text("Add to Home Screen")
    expect(page.get_by_role("button", name="Turn on reminders on this device")).to_be_hidden()
    expect(page.get_by_text("your browser will ask")).to_be_hidden()
    assert_fits_phone(page)
    screenshot(page, "reminders-ios-add-to-home-screen")
    page.get_by_role("button", name="Not now").click()  # the site-wide install tip
    explanation.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "reminders-ios-add-to-home-screen-viewport.png"))
    context.close()
