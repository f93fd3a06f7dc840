"""The optional daily check-in reminder: the client's setting, planning at the chosen local time
(across daylight saving changes), one delivery per day and device through a real Web Push
receiver, and nothing when it is off, the day is already checked in or the time is quiet."""
import re
import threading
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import (CheckinReminder, PushSubscription, Reminder, ReminderKind, ReminderStatus,
                    Role, User, db)
from tend.reminders import planner, preferences
from tend.reminders.kinds import checkin
from tend.reminders.dispatcher import Dispatcher
from tend.services import journal
from tests.conftest import csrf_token, login, make_person
from tests.push_receiver import PushReceiver
from tests.reminder_helpers import MONDAY, add_medication, at, subscribe


@pytest.fixture
def receiver(clock):
    with PushReceiver(clock=clock) as running:
        yield running


def plan(clock) -> None:
    planner.plan_all(db.session, clock())
    db.session.commit()


def send(app, clock) -> None:
    dispatcher = Dispatcher(app, now=clock)
    dispatcher.drain()
    dispatcher.close()


def plan_and_send(app, clock) -> None:
    plan(clock)
    send(app, clock)


def turn_on(person, clock, local_time=time(20, 0), enabled=True) -> None:
    preferences.save_checkin_reminder(db.session, db.session.get(User, person.id),
                                      enabled=enabled, local_time=local_time, now=clock())
    db.session.commit()


def checkin_rows(status=None) -> list[Reminder]:
    db.session.expire_all()
    query = select(Reminder).where(Reminder.kind == ReminderKind.CHECKIN).order_by(Reminder.id)
    if status:
        query = query.where(Reminder.status == status)
    return db.session.scalars(query).all()


def check_in(person, day: date, clock) -> None:
    journal.save_checkin(db.session, db.session.get(User, person.id), day, {"mood": 3}, clock())
    db.session.commit()


def checkbox_of(page: str) -> str:
    return re.search(r'<input[^>]*name="checkin_enabled"[^>]*>', page).group(0)


@pytest.fixture
def evening(app, clock, alice, receiver):
    """Alice wants a check-in reminder at 20:00 (London, on UTC in January) and has one
    phone subscribed; it is 19:00 on Monday."""
    clock.set(at(19, 0))
    device = receiver.subscribe()
    subscribe(alice, device, clock())
    turn_on(alice, clock)
    return device


# --- The setting ---------------------------------------------------------------------------

def test_it_is_off_until_the_client_turns_it_on_and_saves_on_and_time(app, client, alice):
    login(client, alice)
    page = client.get("/reminders").get_data(as_text=True)
    assert "Daily check-in reminder" in page
    assert "checked" not in checkbox_of(page)
    assert 'value="20:00"' in page  # the suggested time

    response = client.post("/reminders", data={
        "csrf_token": csrf_token(client, "/reminders"), "checkin_enabled": "y",
        "checkin_time": "21:30"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/reminders")
    rule = db.session.get(CheckinReminder, alice.id)
    assert (rule.enabled, rule.local_time) == (True, time(21, 30))
    page = client.get("/reminders").get_data(as_text=True)
    assert "check-in reminder at 9:30\u202fPM on days you haven" in page
    assert 'value="21:30"' in page

    client.post("/reminders", data={"csrf_token": csrf_token(client, "/reminders"),
                                            "checkin_time": "21:30"})
    rule = db.session.get(CheckinReminder, alice.id)
    assert (rule.enabled, rule.local_time) == (False, time(21, 30))
    assert "The check-in reminder is off." in client.get("/reminders").get_data(as_text=True)


@pytest.mark.parametrize("typed, message", [
    ("25:99", "Enter a time like 08:00 or 21:30."),
    ("soon", "Enter a time like 08:00 or 21:30."),
    ("", "Choose a time for the reminder, like 20:00."),
])
def test_a_bad_time_is_refused_with_the_message_next_to_the_field(app, client, alice, typed,
                                                                  message):
    login(client, alice)
    response = client.post("/reminders", data={
        "csrf_token": csrf_token(client, "/reminders"), "checkin_enabled": "y",
        "checkin_time": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="checkin_time-error">{message}</p>' in page
    box = re.search(r'<input[^>]*id="checkin_time"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in box and f'value="{typed}"' in box  # kept as typed
    assert 'aria-describedby="checkin_time-hint checkin_time-error"' in box
    assert "checked" in checkbox_of(page)  # kept
    assert db.session.get(CheckinReminder, alice.id) is None


def test_it_needs_the_form_token(app, client, alice):
    login(client, alice)
    response = client.post("/reminders", data={"checkin_enabled": "y",
                                                       "checkin_time": "20:00"})
    assert response.status_code == 400
    assert db.session.get(CheckinReminder, alice.id) is None


def test_nobody_else_can_change_a_clients_setting(app, client, clock, alice, dave, bob, carol):
    turn_on(alice, clock, time(20, 0))
    for supporter in (bob, carol):
        login(client, supporter)
        response = client.post("/reminders", data={
            "csrf_token": csrf_token(client, "/care/"), "checkin_time": "06:00"})
        assert response.status_code == 403
        assert client.get("/reminders").status_code == 403
        client.post("/logout", data={"csrf_token": csrf_token(client, "/care/")})
    client.post("/reminders", data={"checkin_time": "06:00"})  # signed out
    login(client, dave)  # another client changes only their own
    client.post("/reminders", data={"csrf_token": csrf_token(client, "/reminders"),
                                            "checkin_enabled": "y", "checkin_time": "06:00"})
    assert db.session.get(CheckinReminder, dave.id).local_time == time(6, 0)
    rule = db.session.get(CheckinReminder, alice.id)
    assert (rule.enabled, rule.local_time) == (True, time(20, 0))


# --- Planning ------------------------------------------------------------------------------

@pytest.mark.parametrize("zone, saturday, sunday", [
    # Europe/London leaves summer time on Sunday 25 October 2026 (BST, UTC+1 -> GMT).
    ("Europe/London", date(2026, 10, 24), date(2026, 10, 25)),
    # America/New_York leaves it on Sunday 1 November 2026 (EDT, UTC-4 -> EST, UTC-5).
    ("America/New_York", date(2026, 10, 31), date(2026, 11, 1)),
])
def test_it_is_planned_at_the_local_time_across_a_daylight_saving_change(
        app, clock, receiver, zone, saturday, sunday):
    person = make_person("erin@example.com", "Erin", Role.CLIENT, tz=zone)
    clock.set(datetime.combine(saturday, time(9, 0), tzinfo=ZoneInfo(zone)))
    subscribe(person, receiver.subscribe(), clock())
    turn_on(person, clock, time(20, 30))
    assert checkin_rows() == []  # more than six hours ahead: planned later
    clock.advance(hours=7)  # 16:00 on Saturday
    plan(clock)
    clock.advance(days=1)  # 15:00 on Sunday: the clocks went back an hour overnight
    plan(clock)
    rows = checkin_rows()
    assert [row.checkin_for for row in rows] == [saturday, sunday]
    offset_before, offset_after = {"Europe/London": (1, 0), "America/New_York": (-4, -5)}[zone]
    for row, day, offset in ((rows[0], saturday, offset_before), (rows[1], sunday, offset_after)):
        local = datetime(day.year, day.month, day.day, 20, 30, tzinfo=timezone.utc)
        assert row.due_at == local - timedelta(hours=offset)
        assert row.expires_at == row.due_at + checkin.WINDOW
    assert rows[1].due_at - rows[0].due_at == timedelta(hours=25)  # the day has 25 hours


def test_planning_twice_adds_nothing_and_each_device_gets_one_per_day(app, clock, alice,
                                                                      receiver, evening):
    subscribe(alice, receiver.subscribe(), clock())
    plan(clock)
    plan(clock)
    devices = db.session.scalars(select(PushSubscription.id).order_by(PushSubscription.id)).all()
    rows = checkin_rows()
    assert [(r.checkin_for, r.subscription_id, r.due_at) for r in rows] == [
        (MONDAY, device, at(20, 0)) for device in devices]


def test_nothing_is_planned_for_clients_who_did_not_opt_in(app, clock, alice, dave, receiver):
    clock.set(at(19, 0))
    subscribe(alice, receiver.subscribe(), clock())
    subscribe(dave, receiver.subscribe(), clock())
    turn_on(alice, clock, time(20, 0), enabled=False)  # saved, but off
    plan(clock)
    clock.set(at(20, 0, 5))
    plan_and_send(app, clock)
    assert checkin_rows() == []
    assert receiver.deliveries == []


def test_quiet_hours_are_respected_and_the_page_says_so(app, client, clock, alice, receiver):
    clock.set(at(19, 0))
    subscribe(alice, receiver.subscribe(), clock())
    preferences.save_settings(db.session, db.session.get(User, alice.id), show_names=False,
                              quiet_start=time(22, 0), quiet_end=time(7, 0),
                              repeat_delay_minutes=30, refill_days=0, now=clock())
    turn_on(alice, clock, time(22, 30))
    plan(clock)
    clock.set(at(22, 30, 5))
    plan_and_send(app, clock)
    assert checkin_rows() == [] and receiver.deliveries == []
    login(client, alice)
    assert "This time is within your quiet hours" in client.get("/reminders").get_data(
        as_text=True)


def test_a_new_time_moves_the_pending_reminder_and_turning_it_off_cancels_it(app, clock, alice,
                                                                          receiver, evening):
    plan(clock)
    [row] = checkin_rows()
    turn_on(alice, clock, time(21, 15))
    assert [(r.id, r.status, r.due_at) for r in checkin_rows()] == [
        (row.id, ReminderStatus.PENDING, at(21, 15))]
    turn_on(alice, clock, time(18, 0))  # already past today: not sent late, nor at once
    assert [r.status for r in checkin_rows()] == [ReminderStatus.CANCELLED]
    turn_on(alice, clock, time(20, 0))
    assert [(r.status, r.due_at) for r in checkin_rows()] == [(ReminderStatus.PENDING, at(20))]
    turn_on(alice, clock, time(20, 0), enabled=False)
    assert [r.status for r in checkin_rows()] == [ReminderStatus.CANCELLED]
    clock.set(at(20, 0, 5))
    plan_and_send(app, clock)
    assert receiver.deliveries == []


# --- Sending -------------------------------------------------------------------------------

def test_it_is_delivered_once_with_an_invitation_that_opens_that_days_checkin(
        app, client, clock, alice, receiver, evening):
    plan(clock)
    clock.set(at(19, 59, 50))
    plan_and_send(app, clock)
    assert receiver.deliveries == []  # not before its time
    clock.set(at(20, 0, 10))
    plan_and_send(app, clock)
    plan_and_send(app, clock)  # another pass, another worker: still once
    clock.advance(minutes=5)
    plan_and_send(app, clock)

    [delivery] = receiver.deliveries_for(evening)
    [reminder] = checkin_rows()
    assert delivery.payload == {
        "v": 1, "kind": "checkin", "reminder": reminder.id, "tag": "checkin-2026-01-12",
        "title": "Tend",
        "body": "A moment for today's check-in?", "url": "/checkin/2026-01-12",
        "timestamp": int(at(20, 0).timestamp() * 1000), "renotify": False, "actions": [],
        "web_push": 8030, "mutable": True, "notification": {  # what Safari shows itself
            "title": "Tend", "body": "A moment for today's check-in?", "tag": "checkin-2026-01-12",
            "navigate": "http://localhost/checkin/2026-01-12", "lang": "en", "silent": False}}
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert headers["topic"] == "checkin-2026-01-12"
    assert headers["urgency"] == "normal"
    assert 60 <= int(headers["ttl"]) <= 3 * 3600
    assert receiver.rejections == []
    assert [r.status for r in checkin_rows()] == [ReminderStatus.SENT]

    login(client, alice)
    assert client.get(delivery.payload["url"]).status_code == 200

    clock.set(at(14, 0, day=MONDAY + timedelta(days=1)))
    plan(clock)  # six hours ahead, as the worker's planning passes do
    clock.set(at(20, 0, 10, day=MONDAY + timedelta(days=1)))
    plan_and_send(app, clock)  # the next day has its own
    assert [d.payload["tag"] for d in receiver.deliveries_for(evening)] == [
        "checkin-2026-01-12", "checkin-2026-01-13"]


def test_two_workers_draining_at_once_send_each_device_one(app, clock, alice, receiver,
                                                          evening):
    second = receiver.subscribe()
    subscribe(alice, second, clock())
    plan(clock)
    clock.set(at(20, 0, 10))
    workers = [Dispatcher(app, now=clock, pool_size=2) for _ in range(2)]
    crashes = []

    def run(worker):
        try:
            worker.drain()
        except Exception as error:
            crashes.append(error)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for worker in workers:
        worker.close()
    assert crashes == []
    assert [len(receiver.deliveries_for(device)) for device in (evening, second)] == [1, 1]
    assert [r.status for r in checkin_rows()] == [ReminderStatus.SENT] * 2


def test_it_is_not_sent_when_the_days_checkin_is_already_done(app, clock, alice, receiver,
                                                             evening):
    plan(clock)
    check_in(alice, MONDAY, clock)
    clock.set(at(20, 0, 10))
    send(app, clock)  # the worker, before any new planning pass, checks the day itself
    assert receiver.deliveries == []
    assert [r.status for r in checkin_rows()] == [ReminderStatus.CANCELLED]

    clock.set(at(19, 0, day=MONDAY + timedelta(days=1)))
    check_in(alice, MONDAY + timedelta(days=1), clock)
    clock.set(at(20, 0, 10, day=MONDAY + timedelta(days=1)))
    plan_and_send(app, clock)  # planned after the check-in: never even planned
    assert receiver.deliveries == []
    assert [r.checkin_for for r in checkin_rows()] == [MONDAY]


def test_a_checkin_deleted_before_the_reminder_brings_it_back(app, clock, alice, receiver,
                                                             evening):
    check_in(alice, MONDAY, clock)
    plan(clock)
    assert [r.status for r in checkin_rows()] == [ReminderStatus.CANCELLED]
    item = journal.checkin_on(db.session, db.session.get(User, alice.id), MONDAY)
    db.session.delete(item)
    db.session.commit()
    clock.set(at(19, 30))
    plan(clock)
    clock.set(at(20, 0, 10))
    plan_and_send(app, clock)
    assert [d.payload["kind"] for d in receiver.deliveries_for(evening)] == ["checkin"]
