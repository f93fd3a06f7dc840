"""The fast sender, seen from the push service: kept-alive TLS connections, one VAPID header
per push service renewed before it expires, many sends at once with one outcome each, and
outcomes written in batches that a crash can interrupt without a silent repeat.

The receiver (tests/push_receiver.py) serves TLS here, verifies every VAPID JWT by the app's
clock and decrypts every payload with http_ece, as a push service and a browser would."""
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import DeliveryAttempt, PushSubscription, Reminder, ReminderStatus, db
from tend.push.keys import identity
from tend.push.sender import Sender, VAPID_LIFETIME, VAPID_RENEW_BEFORE
from tend.reminders.dispatcher import CLAIM_AHEAD, Dispatcher
from tests.push_receiver import PushReceiver
from tests.reminder_helpers import at, seed_due_reminders

POOL = 4


@pytest.fixture
def receiver(clock, monkeypatch):
    clock.set(at(8, 0))
    with PushReceiver(tls=True, clock=clock) as running:
        monkeypatch.setenv("SSL_CERT_FILE", running.ca_file)  # the sender trusts it
        yield running


def drain(app, clock, dispatcher_class=Dispatcher) -> Dispatcher:
    dispatcher = dispatcher_class(app, now=clock, pool_size=POOL)
    dispatcher.drain()
    dispatcher.close()
    return dispatcher


def outcomes_by_reminder() -> dict[int, list[str]]:
    db.session.commit()  # a fresh read: the dispatchers write from their own sessions
    rows = db.session.execute(select(DeliveryAttempt.reminder_id, DeliveryAttempt.outcome)
                              .order_by(DeliveryAttempt.id)).all()
    found: dict[int, list[str]] = {}
    for reminder_id, outcome in rows:
        found.setdefault(reminder_id, []).append(outcome)
    return found


def test_a_delivered_send_leaves_its_attempt_its_reminder_and_its_device_on_record(
        app, clock, alice, receiver):
    devices = [receiver.subscribe() for _ in range(3)]
    seed_due_reminders(alice.id, devices, 5, clock())
    db.session.execute(PushSubscription.__table__.update().values(
        consecutive_failures=2, last_error="HTTP 500"))  # failing before: healthy again now
    db.session.commit()
    drain(app, clock)

    db.session.commit()
    attempts = db.session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert len(attempts) == 15 and len({a.reminder_id for a in attempts}) == 15
    assert {(a.started_at, a.status_code, a.outcome, a.error) for a in attempts} == \
        {(clock(), 201, "sent", "")}
    assert all(0 <= a.duration_ms < 10_000 for a in attempts)
    sent = db.session.scalars(select(Reminder)).all()
    assert {(r.status, r.sent_at, r.attempts, r.last_error, r.claimed_by, r.claimed_until)
            for r in sent} == {(ReminderStatus.SENT, clock(), 1, "", None, None)}
    assert {(d.last_success_at, d.consecutive_failures)
            for d in db.session.scalars(select(PushSubscription))} == {(clock(), 0)}


def authorization(delivery) -> str:
    return {k.lower(): v for k, v in delivery.headers.items()}["authorization"]


def test_many_sends_share_a_few_kept_alive_tls_connections(app, clock, alice, receiver):
    devices = [receiver.subscribe() for _ in range(5)]
    seed_due_reminders(alice.id, devices, 12, clock())
    dispatcher = Dispatcher(app, now=clock, pool_size=POOL)
    dispatcher.drain()
    clock.advance(minutes=1)
    seed_due_reminders(alice.id, [receiver.subscribe()], 10, clock())
    dispatcher.drain()  # a second tick goes on with the connections of the first
    dispatcher.close()

    db.session.commit()
    sent = db.session.scalars(select(Reminder.status)).all()
    assert len(sent) > 60 and set(sent) == {ReminderStatus.SENT}
    assert len(receiver.deliveries) == len(sent)
    assert receiver.rejections == []
    assert receiver.connections <= POOL  # never one connection per message


def test_the_vapid_header_is_reused_and_renewed_before_it_expires(app, clock, receiver):
    sender = Sender(identity())
    device = receiver.subscribe()
    payload = {"kind": "test", "title": "Tend"}

    def send() -> str:
        sender.send(device.info, payload, topic="test", ttl=60, now=clock())
        return authorization(receiver.deliveries_for(device)[-1])

    first = send()
    clock.advance(hours=1)
    assert send() == first  # one signature per push service, not one per message
    first_exp = receiver.deliveries_for(device)[0].claims["exp"]
    assert first_exp == int((at(8, 0) + VAPID_LIFETIME).timestamp())

    clock.set(at(8, 0) + VAPID_LIFETIME - VAPID_RENEW_BEFORE - timedelta(seconds=1))
    assert send() == first  # still well within its validity
    clock.advance(seconds=1)  # now close to its exp: a new one, before the old one expires
    renewed = send()
    assert renewed != first
    assert receiver.deliveries_for(device)[-1].claims["exp"] > first_exp
    assert receiver.rejections == []
    sender.close()


def test_concurrent_sends_record_one_outcome_per_send(app, clock, alice, receiver):
    devices = [receiver.subscribe() for _ in range(6)]
    receiver.answer(devices[1], 500, 500)  # its first two posts fail: retried later
    seed_due_reminders(alice.id, devices, 8, clock())
    drain(app, clock)

    outcomes = outcomes_by_reminder()
    assert len(outcomes) == 48 and all(len(found) == 1 for found in outcomes.values())
    assert Counter(found[0] for found in outcomes.values()) == {"sent": 46, "retry": 2}
    assert receiver.state.requests == 48  # one post per attempt row, none lost or doubled
    delivered = Counter((d.subscription_id, d.payload["tag"]) for d in receiver.deliveries)
    assert len(delivered) == 46 and set(delivered.values()) == {1}
    statuses = Counter(db.session.scalars(select(Reminder.status)))
    assert statuses == {ReminderStatus.SENT: 46, ReminderStatus.PENDING: 2}


class Crash(BaseException):
    """The worker dies (not an error it could handle)."""


class DiesBeforeWritingDeliveries(Dispatcher):
    """Killed after its posts, as it writes their outcomes (a transaction cut short is rolled
    back: the same as not begun)."""

    def _write_delivered(self, delivered):
        raise Crash


def test_a_crash_in_a_batched_write_leaves_every_send_of_the_batch_unknown(
        app, clock, alice, receiver):
    devices = [receiver.subscribe() for _ in range(4)]
    seed_due_reminders(alice.id, devices, 6, clock())
    with pytest.raises(Crash):
        drain(app, clock, DiesBeforeWritingDeliveries)
    db.session.rollback()
    db.session.remove()
    first_copies = len(receiver.deliveries)
    assert first_copies > 0
    in_flight = {r for r, found in outcomes_by_reminder().items() if found == ["sending"]}
    # nothing of the interrupted batch was written: its sends are still "sending", and no
    # more of them than the dispatcher's bound (queued, posting or waiting to be written)
    assert len(in_flight) == first_copies <= POOL * (1 + CLAIM_AHEAD)

    clock.advance(seconds=61)  # the lease runs out: another worker takes them over
    drain(app, clock)

    outcomes = outcomes_by_reminder()
    assert all(found in (["sent"], ["unknown", "sent"]) for found in outcomes.values()), outcomes
    repeated = {r for r, found in outcomes.items() if found == ["unknown", "sent"]}
    assert repeated == in_flight  # every send of the batch marked perhaps delivered
    resent = [d for d in receiver.deliveries if d.payload.get("resent")]
    assert len(resent) == len(repeated)  # each repeat says so: shown silently
    assert len(receiver.deliveries) == 24 + len(repeated)
    assert db.session.scalar(select(Reminder).where(
        Reminder.status != ReminderStatus.SENT)) is None


class StallsOnce(Dispatcher):
    """Once the first sends are done and written, the worker stalls ``seconds`` (by the
    app's clock) before it starts the reminders it claimed with them: reminders claimed
    together may wait long to start (a slow push service, a paused process)."""

    seconds = 0
    stalled = False

    def _claim_and_start(self, in_flight):
        if self._backlog and not self.stalled:
            self.stalled = True
            self._wait_for(in_flight)
            self._write_outcomes()
            self.now.advance(seconds=self.seconds)
        super()._claim_and_start(in_flight)


@pytest.mark.parametrize("seconds", [20, 61])  # older than a quarter lease; past the lease
def test_reminders_claimed_long_before_they_start_go_out_once_each(
        app, clock, alice, receiver, seconds):
    devices = [receiver.subscribe() for _ in range(4)]
    seed_due_reminders(alice.id, devices, 5, clock())
    StallsOnce.seconds = seconds
    dispatcher = StallsOnce(app, now=clock, pool_size=POOL)
    dispatcher.drain()
    dispatcher.drain()  # what a lapsed claim left is taken again on the next tick
    dispatcher.close()

    delivered = Counter((d.subscription_id, d.payload["tag"]) for d in receiver.deliveries)
    assert len(delivered) == 20 and set(delivered.values()) == {1}
    assert not any(d.payload.get("resent") for d in receiver.deliveries)
    outcomes = outcomes_by_reminder()
    assert len(outcomes) == 20 and all(found == ["sent"] for found in outcomes.values())
    assert set(db.session.scalars(select(Reminder.status))) == {ReminderStatus.SENT}
