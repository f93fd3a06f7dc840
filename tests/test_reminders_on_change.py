"""Plan on change: adding or changing a medication, or a reminder setting, plans the next 48
hours of reminders at once, and a dose due in less than a minute is still pushed on time."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Reminder, ReminderStatus, db
from tend.reminders import planner
from tend.reminders.dispatcher import Dispatcher
from tests.conftest import login
from tests.push_receiver import PushReceiver
from tests.reminder_helpers import (MONDAY, add_medication, at, first_dose,
                                    post_reminder_settings, reminders, subscribe)

TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def receiver(clock):
    with PushReceiver(clock=clock) as running:
        yield running


def pending_dose_times() -> list:
    """In time order (the database returns rows in any order)."""
    return sorted(r.due_at for r in reminders()
                  if r.status == ReminderStatus.PENDING and r.kind == "dose")


def send_due(app, clock) -> None:
    """What a worker does when the reminder is due; it does NOT plan (that is on change)."""
    sender = Dispatcher(app, now=clock)
    sender.drain()
    sender.close()


def save_settings(client, **fields):
    response = post_reminder_settings(client, **{"quiet_start": "", "quiet_end": "", **fields})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def save_medication_choice(client, med, remind: bool):
    response = post_reminder_settings(client, **{f"remind_{med.id}": "y" if remind else None})
    assert response.status_code == 302


def test_adding_a_medication_plans_its_reminders_for_the_next_48_hours(app, clock, alice,
                                                                       receiver):
    clock.set(at(7, 0))
    subscribe(alice, receiver.subscribe(), clock())
    clock.set(at(7, 30))
    add_medication(alice, clock(), times=("08:00", "20:00"))

    assert pending_dose_times() == [at(8, 0), at(20, 0), at(8, 0, day=TUESDAY),
                                    at(20, 0, day=TUESDAY)]  # Wednesday 08:00 is past 48 h


def test_quiet_hours_ended_30_s_before_a_dose_push_it_on_time_and_plan_48_hours(
        app, client, clock, alice, receiver):
    clock.set(at(7, 0))
    device = receiver.subscribe()
    subscribe(alice, device, clock())
    login(client, alice)
    save_settings(client, quiet_start="07:30", quiet_end="09:00")
    med = add_medication(alice, clock(), times=("08:00",))
    assert pending_dose_times() == []  # every 08:00 falls in the quiet hours

    clock.set(at(7, 59, 30))
    save_settings(client)  # quiet hours off
    assert pending_dose_times() == [at(8, 0), at(8, 0, day=TUESDAY)]

    clock.set(at(8, 0, 10))  # within 15 s of due
    send_due(app, clock)
    [delivery] = receiver.deliveries_for(device)
    assert delivery.payload["tag"] == f"dose-{first_dose(med).id}"


def test_a_medications_reminders_turned_on_30_s_before_a_dose_push_it_on_time(
        app, client, clock, alice, receiver):
    clock.set(at(7, 0))
    device = receiver.subscribe()
    subscribe(alice, device, clock())
    med = add_medication(alice, clock(), times=("08:00",))
    login(client, alice)
    save_medication_choice(client, med, remind=False)
    assert pending_dose_times() == []

    clock.set(at(7, 59, 30))
    save_medication_choice(client, med, remind=True)
    assert pending_dose_times() == [at(8, 0), at(8, 0, day=TUESDAY)]

    clock.set(at(8, 0, 10))
    send_due(app, clock)
    [delivery] = receiver.deliveries_for(device)
    assert delivery.payload["tag"] == f"dose-{first_dose(med).id}"


def test_a_change_cancels_what_it_planned_beyond_the_per_minute_horizon(app, client, clock,
                                                                        alice, receiver):
    """Rows planned 48 hours ahead are kept in step by later changes, not only by the
    worker's six-hour pass: quiet hours over Tuesday's 20:00 cancel that reminder now."""
    clock.set(at(7, 0))
    subscribe(alice, receiver.subscribe(), clock())
    add_medication(alice, clock(), times=("20:00",))
    assert pending_dose_times() == [at(20, 0), at(20, 0, day=TUESDAY)]
    login(client, alice)
    save_settings(client, quiet_start="19:00", quiet_end="21:00")
    assert pending_dose_times() == []


def test_the_outbox_stays_bounded_and_the_minute_pass_adds_nothing_to_it(app, clock, alice,
                                                                        receiver):
    """Four doses a day on three devices, changed again and again, planned every minute:
    never more than 48 hours of rows, one per dose and device."""
    clock.set(at(7, 0))
    for _ in range(3):
        subscribe(alice, receiver.subscribe(), clock())
    add_medication(alice, clock(), times=("08:00", "12:00", "16:00", "20:00"))
    for minute in range(30):
        clock.set(at(7, minute))
        planner.plan_all(db.session, clock())
        db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(Reminder))
    assert count == 8 * 3  # Monday and Tuesday, four doses each, three devices
    assert max(r.due_at for r in reminders()) <= at(7, 0) + timedelta(hours=48)
