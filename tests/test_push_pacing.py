"""Pacing per push service: a 429 with Retry-After from one push service holds back the sends
to that service only, for as long as it asked; the other push services get theirs at once.

Two local receivers on two ports play two push services (two origins)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import DeliveryAttempt, PushSubscription, Reminder, ReminderStatus, db
from tend.reminders.dispatcher import Dispatcher
from tests.push_receiver import PushReceiver
from tests.reminder_helpers import at, seed_due_reminders

DOSES = 10
DEVICES = 3  # per push service
POOL = 4


@pytest.fixture
def two_push_services(clock):
    with PushReceiver(clock=clock) as busy, PushReceiver(clock=clock) as calm:
        yield busy, calm


def drain(app, clock) -> None:
    dispatcher = Dispatcher(app, now=clock, pool_size=POOL)
    dispatcher.drain()
    dispatcher.close()


def reminders_to(receiver) -> list[Reminder]:
    db.session.commit()
    return db.session.scalars(
        select(Reminder).join(PushSubscription, Reminder.subscription_id == PushSubscription.id)
        .where(PushSubscription.endpoint.startswith(receiver.origin + "/"))).all()


def test_a_429_pauses_that_push_service_only(app, clock, alice, two_push_services):
    busy, calm = two_push_services
    clock.set(at(8, 0, 30))
    busy_devices = [busy.subscribe() for _ in range(DEVICES)]
    calm_devices = [calm.subscribe() for _ in range(DEVICES)]
    for device in busy_devices:
        busy.answer(device, *[429] * DOSES, retry_after="120")
    # The busy service's reminders come first in the outbox: they are claimed first.
    total = seed_due_reminders(alice.id, busy_devices + calm_devices, DOSES, at(8, 0))

    drain(app, clock)

    # Every reminder to the other push service went out in this same pass.
    assert len(calm.deliveries) == DEVICES * DOSES
    assert {r.status for r in reminders_to(calm)} == {ReminderStatus.SENT}
    # The busy one got only the posts already under way when its first 429 came back.
    assert 1 <= busy.state.requests <= POOL
    assert busy.deliveries == []
    held = reminders_to(busy)
    assert {r.status for r in held} == {ReminderStatus.PENDING}
    assert all(r.next_attempt_at >= clock() + timedelta(seconds=120) for r in held)
    # Held-back reminders were never tried: no attempt on record, none counted.
    attempts = db.session.scalar(select(func.count()).select_from(DeliveryAttempt).where(
        DeliveryAttempt.reminder_id.in_([r.id for r in held])))
    assert attempts == busy.state.requests
    assert sum(r.attempts for r in held) == busy.state.requests

    # Before the pause ends, nothing more goes to the busy service, from any worker.
    clock.advance(seconds=60)
    drain(app, clock)
    assert busy.state.requests <= POOL

    # After it, everything held back is delivered.
    busy.state.answers.clear()
    clock.advance(seconds=61)
    drain(app, clock)
    assert len(busy.deliveries) == DEVICES * DOSES
    db.session.commit()  # a fresh snapshot
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.status == ReminderStatus.SENT)) == total
