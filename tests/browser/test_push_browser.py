"""A reminder pushed to the real service worker in Chromium, through the DevTools protocol
(`ServiceWorker.deliverPushMessage`): Chromium here has no push service, so the payload is
the one the server builds for a real reminder, delivered straight to the worker."""
import json

import pytest
from sqlalchemy import select

from models import DoseEvent, DoseStatus, LapsedSubscription, User, db
from tend.reminders import messages, planner
from tend.reminders.choices import settings_of
from tests.browser.helpers import assert_fits_phone, assert_looks_finished, screenshot
from tests.browser.pwa_helpers import sign_in, wait_for_worker
from tests.reminder_helpers import add_medication, at, first_dose, reminders, subscribe

NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return (await registration.getNotifications()).map(n => ({
    title: n.title, body: n.body, tag: n.tag, actions: n.actions.map(a => a.action),
    data: n.data, silent: n.silent}));
}"""


class Device:
    endpoint, p256dh, auth = "https://push.example.net/sub/1", "B" + "A" * 86, "A" * 22


@pytest.fixture
def reminder_payload(app, clock, alice):
    """The payload the dispatcher would send for Alice's 08:00 dose."""
    clock.set(at(7, 0))
    med = add_medication(alice, clock(), name="Quetiapine")
    subscribe(alice, Device(), clock())
    planner.plan_all(db.session, clock())
    db.session.commit()
    clock.set(at(8, 0, 5))
    [reminder] = reminders()
    with app.test_request_context("/"):
        payload = messages.payload_for(reminder, db.session.get(User, alice.id),
                                       settings_of(db.session, alice.id), clock())
    return {"v": 1, **payload} | {"kind": reminder.kind}, first_dose(med)


def push_to_worker(page, context, origin: str, payload: dict) -> None:
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.evaluate("true")  # a round trip lets the registration event arrive
    for _ in range(50):
        if any(r["scopeURL"] == origin + "/" for r in registrations):
            break
        page.wait_for_timeout(100)
    [registration] = [r for r in registrations if r["scopeURL"] == origin + "/"][:1]
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": origin, "registrationId": registration["registrationId"],
        "data": json.dumps(payload)})


def notifications(page, until=lambda shown: len(shown) >= 1) -> list[dict]:
    """The worker's notifications, once ``until`` holds for them (waits up to 10 s)."""
    for _ in range(100):
        shown = page.evaluate(NOTIFICATIONS)
        if shown and until(shown):
            return shown
        page.wait_for_timeout(100)
    raise AssertionError(f"notifications never matched: {shown}")


def test_a_pushed_reminder_shows_once_with_its_actions_and_no_medication_name(
        page, context, live_server, alice, reminder_payload):
    payload, dose = reminder_payload
    context.grant_permissions(["notifications"], origin=live_server)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    wait_for_worker(page)

    push_to_worker(page, context, live_server, payload)
    [shown] = notifications(page)
    assert shown["title"] == "Tend"
    assert shown["body"].startswith("Time for your 8:00")
    assert "Quetiapine" not in json.dumps(shown)
    assert shown["actions"] == ["taken", "snooze"]
    assert shown["tag"] == f"dose-{dose.id}"
    assert shown["data"]["url"] == f"/today?dose={dose.id}"

    push_to_worker(page, context, live_server, payload)  # the same push again, then a marker
    push_to_worker(page, context, live_server, {"title": "Tend", "body": "", "tag": "marker"})
    shown = notifications(page, lambda shown: "marker" in [n["tag"] for n in shown])
    assert [n["tag"] for n in shown].count(f"dose-{dose.id}") == 1  # replaced, not stacked


def test_the_taken_button_logs_the_dose_through_the_token_endpoint(
        page, context, live_server, alice, reminder_payload, clock):
    payload, dose = reminder_payload
    context.grant_permissions(["notifications"], origin=live_server)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    wait_for_worker(page)
    push_to_worker(page, context, live_server, payload)
    notifications(page)

    # Signed out: the button must work with no session at all.
    page.context.clear_cookies()
    [worker] = [w for w in context.service_workers if w.url.endswith("/sw.js")]
    # Nothing can tap a notification's button in headless Chromium, so the test dispatches
    # the same NotificationEvent the browser would. A synthetic event cannot be kept alive
    # with waitUntil (it throws), but the handler has already started its work by then.
    worker.evaluate("""async (tag) => {
        const [notification] = await self.registration.getNotifications({tag});
        try {
          self.dispatchEvent(new NotificationEvent('notificationclick',
                                                   {notification, action: 'taken'}));
        } catch (error) { /* waitUntil on an untrusted event */ }
    }""", f"dose-{dose.id}")
    [confirmation] = notifications(page, lambda shown: shown[0]["body"].startswith("Logged"))
    assert confirmation["actions"] == [] and confirmation["tag"] == f"dose-{dose.id}"
    db.session.commit()
    event = db.session.scalar(select(DoseEvent))
    assert (event.status, event.planned_dose_id) == (DoseStatus.TAKEN, dose.id)


def test_the_settings_page_explains_before_asking_and_looks_finished(page, live_server, alice):
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    assert page.get_by_role("button", name="Turn on reminders on this device").is_visible()
    assert page.evaluate("Notification.permission") == "default"  # nothing asked on load
    assert_looks_finished(page, "reminders-settings")


def test_a_resent_reminder_replaces_the_shown_one_without_alerting_again(
        page, context, live_server, alice, reminder_payload):
    """After a worker crash the server may send a reminder again, marked ``resent``: shown
    silently under the same tag when its notification is still there."""
    payload, dose = reminder_payload
    context.grant_permissions(["notifications"], origin=live_server)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/reminders")
    wait_for_worker(page)

    push_to_worker(page, context, live_server, payload)
    [first] = notifications(page)
    assert first["silent"] is False and first["data"]["reminder"] == payload["reminder"]
    push_to_worker(page, context, live_server, {**payload, "resent": True, "body": "again"})
    [shown] = notifications(page, lambda shown: shown[0]["body"] == "again")
    assert shown["tag"] == f"dose-{dose.id}" and shown["silent"] is True

    # A resend whose first copy never arrived (nothing shown under its tag) alerts as usual.
    other = {**payload, "tag": "dose-other", "reminder": payload["reminder"] + 1,
             "resent": True}
    push_to_worker(page, context, live_server, other)
    shown = notifications(page, lambda shown: "dose-other" in [n["tag"] for n in shown])
    assert [n["silent"] for n in shown if n["tag"] == "dose-other"] == [False]


def test_a_device_reminders_stopped_reaching_is_named_on_today(page, live_server, alice,
                                                                clock):
    db.session.add(LapsedSubscription(
        user_id=alice.id, device_label="", subscribed_at=at(7, 0),
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 "
                   "Mobile/15E148 Safari/604.1", stopped_at=at(8, 0)))
    db.session.commit()
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/today")
    notice = page.get_by_text("Reminders stopped reaching")
    assert "Jan 12, 2026" in notice.inner_text()
    assert_fits_phone(page)
    screenshot(page, "today-reminders-stopped")
    page.get_by_role("link", name="Turn them on again").click()
    page.wait_for_url(f"{live_server}/reminders#this-device")
    assert page.get_by_text("Reminders stopped reaching").count() == 1
    screenshot(page, "reminders-stopped-device")
