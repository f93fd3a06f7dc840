"""Reminder rules, the settings pages, the notification buttons' token endpoint, sign-out and
time zone moves, as a client (or an attacker) would see them."""
import json
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from models import (DoseEvent, DoseStatus, PlannedDose, PushSubscription, ReminderKind,
                    ReminderStatus, User, UserSession, db)
from tend.reminders import planner, preferences, tokens
from tend.services import medications
from tests.conftest import api_headers, csrf_token, login
from tests.reminder_helpers import (MONDAY, add_medication, at, first_dose, reminders,
                                    subscribe)


class Device:
    """A subscription whose endpoint is never contacted by these tests."""

    def __init__(self, n: int = 1):
        self.endpoint = f"https://push.example.net/sub/{n}"
        self.p256dh = "B" + "A" * 86
        self.auth = "A" * 22


def plan(clock) -> None:
    planner.plan_all(db.session, clock())
    db.session.commit()


def client_user(person) -> User:
    return db.session.get(User, person.id)


@pytest.fixture
def alice_at_seven(clock, alice):
    clock.set(at(7, 0))
    med = add_medication(alice, clock(), times=("08:00", "21:00"))
    subscribe(alice, Device(1), clock())
    return med


def kinds_by_time(until=None) -> list[tuple[str, str]]:
    """The pending reminders (due by ``until``: a change plans 48 hours ahead)."""
    return [(r.kind, r.due_at.strftime("%H:%M")) for r in reminders()
            if r.status == ReminderStatus.PENDING and (until is None or r.due_at <= until)]


def test_planning_twice_makes_one_reminder_per_dose_kind_and_device(clock, alice_at_seven):
    plan(clock)
    plan(clock)
    assert kinds_by_time() == [("dose", "08:00")]  # 21:00 is beyond the six-hour horizon


def test_it_reminds_at_most_twice_when_once_more_is_chosen(clock, alice, alice_at_seven):
    preferences.save_medication_rules(db.session, client_user(alice),
                                      {alice_at_seven.id: (True, True)}, clock())
    db.session.commit()
    plan(clock)
    assert kinds_by_time(until=at(13, 0)) == [("dose", "08:00"), ("repeat", "08:30")]


def test_quiet_hours_and_turned_off_medications_get_no_reminders(clock, alice, alice_at_seven):
    clock.set(at(16, 0))
    preferences.save_settings(db.session, client_user(alice), show_names=False,
                              quiet_start=time(20, 30), quiet_end=time(7, 0),
                              repeat_delay_minutes=30, refill_days=0, now=clock())
    db.session.commit()
    plan(clock)
    assert kinds_by_time(until=at(22, 0)) == []  # 21:00 falls in quiet hours

    preferences.save_settings(db.session, client_user(alice), show_names=False,
                              quiet_start=None, quiet_end=None, repeat_delay_minutes=30,
                              refill_days=0, now=clock())
    db.session.commit()
    assert kinds_by_time(until=at(22, 0)) == [("dose", "21:00")]

    preferences.save_medication_rules(db.session, client_user(alice),
                                      {alice_at_seven.id: (False, False)}, clock())
    db.session.commit()
    assert kinds_by_time(until=at(22, 0)) == []
    assert [r.status for r in reminders() if r.due_at == at(21, 0)] == [ReminderStatus.CANCELLED]

    preferences.save_medication_rules(db.session, client_user(alice),
                                      {alice_at_seven.id: (True, False)}, clock())
    db.session.commit()
    assert kinds_by_time(until=at(22, 0)) == [("dose", "21:00")]  # back on: the same row, pending again


def test_paused_medications_get_no_reminders(clock, alice, alice_at_seven):
    medications.pause(db.session, client_user(alice), alice_at_seven, clock())
    db.session.commit()
    plan(clock)
    assert kinds_by_time() == []


def test_a_refill_reminder_comes_when_supply_runs_low_in_the_daytime(clock, alice):
    clock.set(at(6, 0))
    add_medication(alice, clock(), times=("08:00", "20:00"), units_on_hand=8)
    subscribe(alice, Device(1), clock())
    plan(clock)
    [refill] = [r for r in reminders() if r.kind == ReminderKind.REFILL]
    assert refill.due_at == at(9, 0)  # not at 6 a.m.
    assert refill.refill_for == MONDAY + timedelta(days=4)
    plan(clock)
    assert len([r for r in reminders() if r.kind == ReminderKind.REFILL]) == 1


def test_a_refill_reminder_waits_for_quiet_hours_to_end(clock, alice):
    clock.set(at(10, 0))
    add_medication(alice, clock(), times=("08:00", "20:00"), units_on_hand=8)
    subscribe(alice, Device(1), clock())
    preferences.save_settings(db.session, client_user(alice), show_names=False,
                              quiet_start=time(9, 0), quiet_end=time(12, 0),
                              repeat_delay_minutes=30, refill_days=7, now=clock())
    db.session.commit()
    assert [r for r in reminders() if r.kind == ReminderKind.REFILL] == []
    clock.set(at(12, 0))
    plan(clock)
    [refill] = [r for r in reminders() if r.kind == ReminderKind.REFILL]
    assert refill.due_at == at(12, 0)


# --- The notification buttons -------------------------------------------------------------

def issued_tokens(app, clock, alice, med) -> dict:
    plan(clock)
    [reminder] = reminders()
    return tokens.issue(app.config["SECRET_KEY"], reminder.id, first_dose(med).id, clock())


def act(client, token):
    return client.post("/reminders/act", data=json.dumps({"token": token}),
                       content_type="application/json")


def test_taken_logs_the_dose_without_a_session_or_csrf_token_and_only_once(
        app, client, clock, alice, alice_at_seven):
    issued = issued_tokens(app, clock, alice, alice_at_seven)
    clock.set(at(8, 4))
    response = act(client, issued["taken"])
    assert response.status_code == 200
    assert "Logged as taken" in response.json["body"]
    event = db.session.scalar(select(DoseEvent))
    assert (event.status, event.planned_dose_id, event.occurred_at) == \
        (DoseStatus.TAKEN, first_dose(alice_at_seven).id, at(8, 4))

    assert act(client, issued["taken"]).status_code == 410   # used
    assert act(client, issued["snooze"]).status_code == 410  # its sibling is used too
    assert db.session.scalar(select(db.func.count()).select_from(DoseEvent)) == 1


def test_snooze_reminds_again_in_ten_minutes(app, client, clock, alice, alice_at_seven):
    issued = issued_tokens(app, clock, alice, alice_at_seven)
    clock.set(at(8, 1))
    assert act(client, issued["snooze"]).status_code == 200
    [snooze] = [r for r in reminders() if r.kind == ReminderKind.SNOOZE]
    assert (snooze.status, snooze.due_at) == (ReminderStatus.PENDING, at(8, 11))
    assert db.session.scalar(select(DoseEvent)) is None


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # forged
    lambda token: "",
])
def test_a_forged_token_does_nothing(app, client, clock, alice, alice_at_seven, mangle):
    issued = issued_tokens(app, clock, alice, alice_at_seven)
    assert act(client, mangle(issued["taken"])).status_code == 400
    assert db.session.scalar(select(DoseEvent)) is None


def test_an_expired_token_does_nothing(app, client, clock, alice, alice_at_seven):
    issued = issued_tokens(app, clock, alice, alice_at_seven)
    clock.advance(hours=9)
    assert act(client, issued["taken"]).status_code == 410
    assert db.session.scalar(select(DoseEvent)) is None


def test_a_token_cannot_be_moved_to_another_dose(app, client, clock, alice, alice_at_seven):
    plan(clock)
    [reminder] = reminders()
    other_dose = db.session.scalars(select(PlannedDose).where(
        PlannedDose.id != reminder.planned_dose_id)).first()
    issued = tokens.issue(app.config["SECRET_KEY"], reminder.id, other_dose.id, clock())
    assert act(client, issued["taken"]).status_code == 410
    assert db.session.scalar(select(DoseEvent)) is None


# --- Pages and the subscription API -------------------------------------------------------

def test_the_settings_page_explains_reminders_and_serves_the_public_key(client, alice):
    login(client, alice)
    html = client.get("/reminders").get_data(as_text=True)
    assert "Time for your" in html and "Turn on reminders on this device" in html
    assert 'data-vapid-key="B' in html


def test_subscribing_lists_the_device_as_this_phone(client, alice):
    login(client, alice)
    body = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "p256dh": "B" + "A" * 86,
            "auth": "A" * 22}
    response = client.post("/reminders/subscriptions", data=json.dumps(body),
                           headers=api_headers(client, "/reminders"))
    assert response.status_code == 201
    html = client.get("/reminders").get_data(as_text=True)
    assert "this phone" in html and "No reminder delivered yet" in html


def test_subscribing_needs_the_csrf_header_and_a_valid_endpoint(client, alice):
    login(client, alice)
    body = {"endpoint": "http://evil.example/x", "p256dh": "B" + "A" * 86, "auth": "A" * 22}
    no_token = client.post("/reminders/subscriptions", data=json.dumps(body),
                           content_type="application/json")
    assert no_token.status_code == 400 and db.session.scalar(select(PushSubscription)) is None
    response = client.post("/reminders/subscriptions", data=json.dumps(body),
                           headers=api_headers(client, "/reminders"))
    assert response.status_code == 400
    assert "endpoint" in response.json["fields"]


def test_nobody_can_remove_or_test_another_clients_device(client, clock, alice, dave):
    sub = subscribe(alice, Device(1), clock())
    login(client, dave)
    token = csrf_token(client, "/reminders")
    for path in (f"/reminders/devices/{sub.id}/remove", f"/reminders/devices/{sub.id}/test"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404
    assert client.delete(f"/reminders/subscriptions/{sub.id}",
                         headers={"X-CSRFToken": token}).status_code == 404
    assert db.session.get(PushSubscription, sub.id) is not None


@pytest.mark.parametrize("path", ["/reminders", "/reminders/history"])
def test_supporters_cannot_open_reminder_pages(client, bob, path):
    login(client, bob)
    assert client.get(path).status_code == 403


def test_signing_out_removes_only_this_devices_subscription(client, clock, alice):
    login(client, alice)
    session_id = db.session.scalar(select(UserSession.id))
    here = subscribe(alice, Device(1), clock(), session_id=session_id)
    elsewhere = subscribe(alice, Device(2), clock())
    here_id, elsewhere_id = here.id, elsewhere.id
    client.post("/logout", data={"csrf_token": csrf_token(client, "/reminders")})
    assert db.session.get(PushSubscription, here_id) is None
    assert db.session.get(PushSubscription, elsewhere_id) is not None


def test_after_moving_time_zone_reminders_follow_the_new_local_times(client, clock, alice,
                                                                     alice_at_seven):
    plan(clock)
    assert [r.due_at for r in reminders()] == [at(8, 0)]
    login(client, alice)
    response = client.patch("/api/v1/me", data=json.dumps({
        "display_name": "Alice", "timezone": "America/New_York"}),
        headers=api_headers(client, "/reminders"))
    assert response.status_code == 200
    pending = [r for r in reminders() if r.status == ReminderStatus.PENDING]
    assert [r.due_at for r in pending] == [at(13, 0)]  # 08:00 in New York, in January


def test_a_device_that_keeps_failing_is_flagged_on_today(client, clock, alice):
    sub = subscribe(alice, Device(1), clock())
    sub.consecutive_failures = 3
    db.session.commit()
    login(client, alice)
    html = client.get("/today").get_data(as_text=True)
    assert "Reminders to Chrome on Android haven't been getting through." in html


def test_reminders_status_counts_and_names_the_oldest_unsent(app, clock, alice_at_seven):
    plan(clock)  # one reminder, due at 08:00 on a January day: long past by the real clock
    result = app.test_cli_runner().invoke(args=["reminders", "status"])
    assert "due        1" in result.output
    assert "sent       0" in result.output
    assert "oldest unsent due reminder: due 2026-01-12T08:00:00+00:00" in result.output


@pytest.mark.parametrize("endpoint", [
    "https://10.0.0.5/push",                       # a private address
    "https://127.0.0.1:6379/",                     # loopback
    "https://[::1]/push",                          # loopback, IPv6
    "https://169.254.169.254/latest/meta-data",    # link-local (cloud metadata)
    "https://8.8.8.8/push",                        # any IP literal
    "https://localhost/push",
    "https://intranet.example.org/push",           # not a push service
    "https://fcm.googleapis.com.evil.example/x",   # a push service's name as a prefix
    "https://fcm.googleapis.com:8443/fcm/send/x",  # another port
    "https://user@fcm.googleapis.com/fcm/send/x",
    "http://fcm.googleapis.com/fcm/send/x",
])
def test_only_push_services_are_accepted_as_endpoints(client, alice, endpoint):
    login(client, alice)
    body = {"endpoint": endpoint, "p256dh": "B" + "A" * 86, "auth": "A" * 22}
    response = client.post("/reminders/subscriptions", data=json.dumps(body),
                           headers=api_headers(client, "/reminders"))
    assert response.status_code == 400
    assert "endpoint" in response.json["fields"]
    assert db.session.scalar(select(PushSubscription)) is None


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/abc",
    "https://web.push.apple.com/QGx",
    "https://wns2-par02p.notify.windows.com/w/?token=abc",
])
def test_the_push_services_of_every_browser_are_accepted(client, alice, endpoint):
    login(client, alice)
    body = {"endpoint": endpoint, "p256dh": "B" + "A" * 86, "auth": "A" * 22}
    response = client.post("/reminders/subscriptions", data=json.dumps(body),
                           headers=api_headers(client, "/reminders"))
    assert response.status_code == 201


def test_a_test_notification_that_cannot_connect_gives_no_network_detail(client, clock, alice):
    """No port scanner: refused, reset, TLS failure and timeout all read the same."""
    now = clock()
    sub = PushSubscription(user_id=alice.id, endpoint="http://127.0.0.1:9/push/x",
                           p256dh="B" + "A" * 86, auth="A" * 22, created_at=now)
    db.session.add(sub)
    db.session.commit()
    login(client, alice)
    client.post(f"/reminders/devices/{sub.id}/test",
                data={"csrf_token": api_headers(client, "/reminders")["X-CSRFToken"]})
    html = client.get("/reminders").get_data(as_text=True)
    assert "could not reach the push service" in html
    assert "connection failed" not in html and "Error" not in html and "timed out" not in html
