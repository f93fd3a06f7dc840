"""Reminders over the real Web Push protocol, against a local push service that checks the
VAPID signature and decrypts the payload like a browser would."""
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import (DeliveryAttempt, DoseStatus, Medication, PushSubscription, ReminderKind,
                    ReminderStatus, User, db)
from tend.push.sender import MAX_PAYLOAD_BYTES
from tend.reminders import outbox, planner, preferences
from tend.services import doses, medications
from tend.reminders.dispatcher import Dispatcher
from tests.conftest import csrf_token, login
from tests.push_receiver import PushReceiver
from tests.reminder_helpers import add_medication, at, first_dose, reminders, subscribe


@pytest.fixture
def receiver(clock):
    with PushReceiver(clock=clock) as running:
        yield running


def dispatcher(app, clock, **options) -> Dispatcher:
    return Dispatcher(app, now=clock, **options)


def plan_and_send(app, clock, **options) -> None:
    planner.plan_all(db.session, clock())
    db.session.commit()
    sender = dispatcher(app, clock, **options)
    sender.drain()
    sender.close()


@pytest.fixture
def morning(app, clock, alice, receiver):
    """Alice takes one medication at 08:00 and has one phone subscribed; it is 08:00:20."""
    clock.set(at(7, 0))
    med = add_medication(alice, clock())
    device = receiver.subscribe()
    sub = subscribe(alice, device, clock())
    clock.set(at(8, 0, 20))
    return med, device, sub


def test_it_delivers_the_payload_the_service_worker_expects(app, clock, receiver, morning):
    med, device, sub = morning
    plan_and_send(app, clock)

    [delivery] = receiver.deliveries_for(device)
    dose = first_dose(med)
    payload = delivery.payload
    assert payload["kind"] == "dose"
    assert payload["tag"] == f"dose-{dose.id}"
    assert payload["body"] == "Time for your 8:00\u202fAM medication."
    assert "Sertraline" not in str(payload)  # the lock screen names no medication
    assert [a["action"] for a in payload["actions"]] == ["taken", "snooze"]
    assert set(payload["tokens"]) == {"taken", "snooze"}
    assert payload["url"] == f"/today?dose={dose.id}"
    assert payload["act"] == "/reminders/act"
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert headers["urgency"] == "high"
    assert headers["topic"] == f"dose-{dose.id}"
    assert 60 <= int(headers["ttl"]) <= 3600
    assert delivery.claims["aud"] == receiver.origin
    assert receiver.rejections == []

    [reminder] = reminders()
    assert reminder.status == ReminderStatus.SENT
    attempt = db.session.scalar(select(DeliveryAttempt))
    assert (attempt.outcome, attempt.status_code) == ("sent", 201)
    assert db.session.get(PushSubscription, sub.id).last_success_at == clock()


def test_it_names_the_medication_only_when_the_client_chose_that(app, clock, alice, receiver,
                                                                  morning):
    med, device, _ = morning
    preferences.save_settings(db.session, db.session.get(User, alice.id), show_names=True,
                              quiet_start=None, quiet_end=None, repeat_delay_minutes=30,
                              refill_days=7, now=clock())
    db.session.commit()
    plan_and_send(app, clock)
    [delivery] = receiver.deliveries_for(device)
    assert "Sertraline 50 mg" in delivery.payload["body"]


def test_a_410_deletes_the_subscription(app, clock, receiver, morning):
    _, device, sub = morning
    sub_id = sub.id
    receiver.answer(device, 410)
    plan_and_send(app, clock)

    assert db.session.get(PushSubscription, sub_id) is None
    [reminder] = reminders()
    assert reminder.status == ReminderStatus.FAILED
    assert db.session.scalar(select(DeliveryAttempt.outcome)) == "gone"
    assert receiver.deliveries == []


@pytest.mark.parametrize("status, retry_after, wait", [
    (429, "120", timedelta(seconds=120)),   # Retry-After longer than the back-off wins
    (503, None, timedelta(seconds=30)),     # no Retry-After: the first back-off step
])
def test_it_retries_429_and_503_and_then_delivers(app, clock, receiver, morning, status,
                                                  retry_after, wait):
    _, device, _ = morning
    receiver.answer(device, status, retry_after=retry_after)
    plan_and_send(app, clock)

    [reminder] = reminders()
    assert reminder.status == ReminderStatus.PENDING
    assert reminder.next_attempt_at == clock() + wait
    assert receiver.deliveries == []

    clock.advance(seconds=wait.total_seconds() - 1)
    plan_and_send(app, clock)
    assert receiver.deliveries == []  # not before its time

    clock.advance(seconds=1)
    plan_and_send(app, clock)
    [reminder] = reminders()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENT, 2)
    assert len(receiver.deliveries_for(device)) == 1
    outcomes = db.session.scalars(select(DeliveryAttempt.outcome)
                                  .order_by(DeliveryAttempt.id)).all()
    assert outcomes == ["retry", "sent"]


def test_it_gives_up_when_retrying_would_be_too_late(app, clock, receiver, morning):
    _, device, _ = morning
    receiver.answer(device, 503, retry_after="7200")  # two hours: past the dose's window
    plan_and_send(app, clock)
    [reminder] = reminders()
    assert reminder.status == ReminderStatus.FAILED


def test_a_hanging_push_service_times_out_without_holding_up_the_others(
        app, clock, alice, dave, receiver, morning):
    _, slow_device, _ = morning
    add_medication(dave, at(7, 0))
    quick_device = receiver.subscribe()
    subscribe(dave, quick_device, at(7, 0))
    receiver.answer(slow_device, 201, hang=4)
    started = time.time()

    plan_and_send(app, clock, timeout=1, pool_size=4)

    [quick] = receiver.deliveries_for(quick_device)
    assert quick.received_at < started + 4  # it arrived while the other request hung
    by_user = {r.user_id: r for r in reminders()}
    assert by_user[dave.id].status == ReminderStatus.SENT
    slow = by_user[alice.id]
    assert slow.status == ReminderStatus.PENDING and "timed out" in slow.last_error


def test_after_downtime_old_reminders_are_missed_not_sent(app, clock, receiver, morning):
    _, device, _ = morning
    clock.set(at(7, 30))
    planner.plan_all(db.session, clock())
    db.session.commit()
    clock.set(at(10, 0))  # the worker was down from 07:30 to 10:00
    outbox.expire_stale(db.session, clock())
    db.session.commit()
    plan_and_send(app, clock)
    assert receiver.deliveries == []
    assert [r.status for r in reminders()] == [ReminderStatus.MISSED]


def test_a_dose_logged_before_its_reminder_is_not_reminded(app, clock, alice, receiver, morning):
    med, device, _ = morning
    clock.set(at(7, 30))
    planner.plan_all(db.session, clock())
    db.session.commit()
    doses.record(db.session, db.session.get(User, alice.id), medication_id=med.id,
                 status=DoseStatus.TAKEN, now=clock(), planned_dose_id=first_dose(med).id)
    db.session.commit()
    clock.set(at(8, 0, 10))
    plan_and_send(app, clock)
    assert receiver.deliveries == []
    assert [r.status for r in reminders()] == [ReminderStatus.CANCELLED]


def test_a_refill_recorded_after_planning_stops_the_refill_reminder(app, clock, alice,
                                                                    receiver):
    """The rule that planned it is asked again right before sending (before: planning read
    the supply, sending did not, so "may run out" went out after the refill)."""
    clock.set(at(8, 50))
    med = add_medication(alice, clock(), times=("08:00", "20:00"), units_on_hand=8)
    device = receiver.subscribe()
    subscribe(alice, device, clock())
    planner.plan_all(db.session, clock())
    db.session.commit()
    assert [r.kind for r in reminders()].count(ReminderKind.REFILL) == 1
    medications.refill(db.session.get(Medication, med.id), Decimal(60))
    db.session.commit()
    clock.set(at(9, 0, 10))
    sender = dispatcher(app, clock)
    sender.drain()
    sender.close()
    assert "refill" not in [d.payload["kind"] for d in receiver.deliveries_for(device)]
    [refill] = [r for r in reminders() if r.kind == ReminderKind.REFILL]
    assert refill.status == ReminderStatus.CANCELLED


def test_payloads_stay_under_the_size_limit_with_long_names(app, clock, alice, receiver):
    clock.set(at(7, 0))
    add_medication(alice, clock(), name="N" * 120)
    device = receiver.subscribe()
    subscribe(alice, device, clock())
    preferences.save_settings(db.session, db.session.get(User, alice.id), show_names=True,
                              quiet_start=None, quiet_end=None, repeat_delay_minutes=30,
                              refill_days=7, now=clock())
    db.session.commit()
    clock.set(at(8, 0, 5))
    plan_and_send(app, clock)
    [delivery] = receiver.deliveries_for(device)
    assert len(json.dumps(delivery.payload).encode()) <= MAX_PAYLOAD_BYTES


def test_send_a_test_notification_from_the_settings_page(app, client, clock, alice, receiver):
    clock.set(at(12, 0))
    device = receiver.subscribe()
    sub = subscribe(alice, device, clock())
    login(client, alice)
    response = client.post(f"/reminders/devices/{sub.id}/test",
                           data={"csrf_token": csrf_token(client, "/reminders")})
    assert response.status_code == 302
    assert "Test notification sent" in client.get("/reminders").get_data(as_text=True)
    [delivery] = receiver.deliveries_for(device)
    assert delivery.payload["kind"] == "test" and delivery.payload["actions"] == []


def test_undelivered_reminders_are_listed_for_the_client(app, client, clock, alice, receiver,
                                                         morning):
    _, device, _ = morning
    receiver.answer(device, 403)  # the push service refuses: not worth retrying
    plan_and_send(app, clock)
    login(client, alice)
    html = client.get("/reminders/history").get_data(as_text=True)
    assert "Sertraline" in html and "Could not be delivered (push service answered 403)" in html


def test_a_410_is_recorded_on_every_reminder_to_that_device(app, client, clock, alice,
                                                             receiver, morning):
    """Two reminders to an expired subscription in one batch: each keeps its own 410."""
    _, device, _ = morning
    add_medication(alice, at(7, 0), name="Lamotrigine")
    receiver.answer(device, 410, 410)
    plan_and_send(app, clock)

    rows = [r for r in reminders() if r.due_at <= clock()]  # not tomorrow's (cancelled)
    assert len(rows) == 2
    assert [(r.status, r.attempts) for r in rows] == [(ReminderStatus.FAILED, 1)] * 2
    outcomes = db.session.scalars(select(DeliveryAttempt.outcome)).all()
    assert outcomes == ["gone", "gone"]
    login(client, alice)
    html = client.get("/reminders/history").get_data(as_text=True)
    assert "Sertraline" in html and "Lamotrigine" in html
    assert html.count("subscription gone") == 2


def test_a_device_whose_subscription_ended_is_named_on_today_and_reminders(
        app, client, clock, alice, receiver, morning):
    """iOS lets home-screen subscriptions lapse silently: the client is told, in words, on
    Today and on the reminders page, until reminders are turned on again from that browser."""
    _, device, _ = morning
    receiver.answer(device, 410)
    plan_and_send(app, clock)

    login(client, alice)
    stopped = "Reminders stopped reaching Chrome on Android on Jan 12, 2026."
    today = client.get("/today").get_data(as_text=True)
    assert stopped in today and "Turn on reminders here" in today  # its only device: one tap
    page = client.get("/reminders").get_data(as_text=True)
    assert stopped in page and "No device gets reminders yet" not in page

    again = receiver.subscribe()
    response = client.post("/reminders/subscriptions", json={
        "endpoint": "https://fcm.googleapis.com/fcm/send/renewed", "p256dh": again.p256dh,
        "auth": again.auth},
        headers={"X-CSRFToken": csrf_token(client, "/reminders"),
                 "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130.0"})
    assert response.status_code == 201
    assert "Reminders stopped reaching" not in client.get("/today").get_data(as_text=True)


def test_a_dose_added_thirty_seconds_ahead_is_pushed_on_time(app, clock, alice, receiver):
    """Adding a medication plans its reminders in the same transaction: no wait for the
    worker's once-a-minute planning pass."""
    clock.set(at(7, 0))
    device = receiver.subscribe()
    subscribe(alice, device, clock())
    clock.set(at(7, 59, 30))
    med = add_medication(alice, clock(), times=("08:00",))  # commits; nothing else plans

    clock.set(at(8, 0, 5))
    sender = dispatcher(app, clock)
    sender.drain()
    sender.close()
    [delivery] = receiver.deliveries_for(device)
    assert delivery.payload["tag"] == f"dose-{first_dose(med).id}"


def test_a_changed_dose_time_is_reminded_at_the_new_time(app, client, clock, alice, receiver):
    clock.set(at(7, 0))
    device = receiver.subscribe()
    subscribe(alice, device, clock())
    med = add_medication(alice, clock(), times=("09:00",))
    clock.set(at(7, 59, 0))
    medications.change_regimen(db.session, db.session.get(User, alice.id), med,
                               medications.RegimenSpec(times=["08:00"]), effective=clock(),
                               now=clock())
    db.session.commit()

    clock.set(at(8, 0, 5))
    sender = dispatcher(app, clock)
    sender.drain()
    sender.close()
    [delivery] = receiver.deliveries_for(device)
    assert "8:00" in delivery.payload["body"]
