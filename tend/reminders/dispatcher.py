"""Sending claimed reminders from a bounded pool of threads.

The database is touched only by the dispatching thread: it claims a few pool-fulls, builds
each payload, hands the HTTP posts to the pool, and records outcomes as sends finish (one short
transaction per group of finished sends, so a crash repeats at most the claims not yet
recorded, never one recorded as sent). A push service that hangs holds one thread until the
timeout; the other threads carry on with the rest."""
import logging
import os
import socket
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from models import (CheckIn, CheckinReminder, DeliveryAttempt, MedicationStatus, PlannedDose,
                    Reminder, ReminderKind, ReminderStatus, User, db, utcnow)
from tend.care import alerts
from tend.database import writes_intended
from tend.push import subscriptions
from tend.push.keys import identity
from tend.push.sender import Sender, TransportError
from tend.reminders import messages, outbox
from tend.reminders.planner import settings_of

log = logging.getLogger("tend.reminders")
MIN_TTL = 60
CLAIM_AHEAD = 3  # claim a few pool-fulls at a time: fewer, larger transactions; a claim
# waits at most ~3 sends (3 x timeout) in the pool's queue, well within the lease


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{os.urandom(2).hex()}"


@dataclass
class InFlight:
    """A send handed to the pool; the pool thread fills in how long the post took."""
    reminder_id: int
    subscription_id: int
    started_at: datetime
    duration_ms: int = 0


def _checkin_still_wanted(reminder: Reminder) -> bool:
    """Right before sending: the reminder is still on and that day has no check-in yet."""
    rule = db.session.get(CheckinReminder, reminder.user_id)
    if rule is None or not rule.enabled or reminder.checkin_for is None:
        return False
    return db.session.scalar(select(CheckIn.id).where(
        CheckIn.client_id == reminder.user_id,
        CheckIn.local_date == reminder.checkin_for)) is None


class Dispatcher:
    def __init__(self, app, *, pool_size: int = 8, timeout: float = 10.0,
                 retry_base: timedelta = timedelta(seconds=30), lease: timedelta = outbox.LEASE,
                 now=utcnow, worker: str | None = None):
        self.app = app
        self.pool_size = pool_size
        self.timeout = timeout
        self.retry_base = retry_base
        self.lease = lease
        self.now = now
        self.worker = worker or worker_name()
        self._pool = ThreadPoolExecutor(pool_size, thread_name_prefix="push")
        self._sender: Sender | None = None

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def drain(self, stop: threading.Event | None = None) -> int:
        """Send everything due now; returns how many sends were made. With ``stop`` set,
        starts nothing more but finishes (and records) the sends already running; claimed
        reminders not yet started go back to the outbox at once."""
        stop = stop or threading.Event()
        sent = 0
        base_url = self.app.config["TEND_BASE_URL"]
        # A context (and database session) of its own, also when called inside another one.
        with self.app.app_context(), self.app.test_request_context("/", base_url=base_url), \
                writes_intended():
            self._sender = self._sender or Sender(identity(), timeout=self.timeout)
            in_flight: dict[Future, InFlight] = {}
            try:
                while True:
                    if stop.is_set():
                        self._give_back_unstarted(in_flight)
                    elif len(in_flight) < self.pool_size:  # keep the pool's queue topped up
                        self._start(outbox.claim_due(db.session, self.worker, self.now(),
                                                     self.pool_size * CLAIM_AHEAD, self.lease),
                                    in_flight)
                    if not in_flight:
                        break
                    done, _ = wait(in_flight, timeout=1, return_when=FIRST_COMPLETED)
                    self._finish([(in_flight.pop(future), future) for future in done])
                    sent += len(done)
            finally:
                self._give_back_unstarted(in_flight)
                self._finish(list((flight, future) for future, flight in in_flight.items()))
                db.session.remove()
        return sent

    def _give_back_unstarted(self, in_flight: dict) -> None:
        unstarted = [future for future in in_flight if future.cancel()]
        if unstarted:
            outbox.release(db.session, [in_flight.pop(f).reminder_id for f in unstarted],
                           self.worker)
            db.session.commit()

    def send_now(self, reminder_id: int) -> None:
        """Claim and send one reminder at once, in the caller's app context."""
        if not outbox.claim_one(db.session, reminder_id, self.worker, self.now(), self.lease):
            return
        self._sender = self._sender or Sender(identity(), timeout=self.timeout)
        in_flight: dict[Future, InFlight] = {}
        self._start([reminder_id], in_flight)
        self._finish([(flight, future) for future, flight in in_flight.items()])

    # --- starting sends -----------------------------------------------------------------

    def _load(self, reminder_ids: list[int]) -> list[Reminder]:
        return db.session.scalars(select(Reminder).where(Reminder.id.in_(reminder_ids)).options(
            joinedload(Reminder.subscription),
            joinedload(Reminder.planned_dose).joinedload(PlannedDose.event),
            joinedload(Reminder.medication))).unique().all()

    def _start(self, reminder_ids: list[int], in_flight: dict) -> None:
        """Build each payload, then hand the posts to the pool (one read transaction)."""
        now = self.now()
        reminders = self._load(reminder_ids)
        users = {u.id: u for u in db.session.scalars(
            select(User).where(User.id.in_({r.user_id for r in reminders})))}
        settings = {}
        jobs = []
        for reminder in reminders:
            skip = self._reason_not_to_send(reminder, now)
            if skip:
                outbox.settle(db.session, reminder.id, self.worker, status=skip)
                continue
            user = users[reminder.user_id]
            if user.id not in settings:
                settings[user.id] = settings_of(db.session, user.id)
            payload = messages.payload_for(reminder, user, settings[user.id], now)
            ttl = max(MIN_TTL, int((reminder.expires_at - now).total_seconds()))
            jobs.append((reminder.id, reminder.subscription_id,
                         reminder.subscription.as_webpush_info(), payload,
                         messages.topic_for(reminder), ttl, messages.urgency_for(reminder)))
        db.session.commit()  # end the transaction before waiting on the network
        for reminder_id, sub_id, info, payload, topic, ttl, urgency in jobs:
            flight = InFlight(reminder_id, sub_id, now)
            future = self._pool.submit(self._timed_send, flight, info, payload, topic, ttl,
                                       urgency)
            in_flight[future] = flight

    def _timed_send(self, flight: InFlight, info: dict, payload: dict, topic: str,
                    ttl: int, urgency: str = "high") -> int:
        started = time.perf_counter()
        try:
            return self._sender.send(info, payload, topic=topic, ttl=ttl, urgency=urgency)
        finally:
            flight.duration_ms = int((time.perf_counter() - started) * 1000)

    @staticmethod
    def _reason_not_to_send(reminder: Reminder, now: datetime) -> str | None:
        if reminder.subscription is None:
            return ReminderStatus.CANCELLED
        if now >= reminder.expires_at:
            return ReminderStatus.MISSED if reminder.attempts == 0 else ReminderStatus.FAILED
        if reminder.kind in ReminderKind.DOSE_KINDS:
            dose = reminder.planned_dose
            if dose is None or dose.event is not None:
                return ReminderStatus.CANCELLED  # logged in the meantime: nothing to remind
        if reminder.kind == ReminderKind.CAREGIVER_ALERT and \
                not alerts.still_wanted(db.session, reminder, now):
            return ReminderStatus.CANCELLED  # logged, or the client stopped sharing or alerts
        if reminder.medication is not None and \
                reminder.medication.status is not MedicationStatus.ACTIVE:
            return ReminderStatus.CANCELLED
        if reminder.kind == ReminderKind.CHECKIN and not _checkin_still_wanted(reminder):
            return ReminderStatus.CANCELLED  # checked in already, or turned off meanwhile
        return None

    # --- recording outcomes -------------------------------------------------------------

    def _finish(self, finished: list[tuple[InFlight, Future]]) -> None:
        """Record the outcomes of finished sends in one transaction: successes in bulk,
        failures one by one (they are rare and each decides retry, give up or forget)."""
        if not finished:
            return
        now = self.now()
        results = [(flight, *self._result_of(future)) for flight, future in finished]
        try:
            delivered = [flight for flight, _, error in results if error is None]
            outbox.settle_sent(db.session, [f.reminder_id for f in delivered], self.worker, now)
            subscriptions.mark_delivered(db.session, {f.subscription_id for f in delivered}, now)
            failed = [(flight, error) for flight, _, error in results if error is not None]
            outcomes = self._record_failures(failed, now) if failed else {}
            db.session.execute(insert(DeliveryAttempt), [
                {"reminder_id": flight.reminder_id, "started_at": flight.started_at,
                 "duration_ms": flight.duration_ms, "status_code": status_code,
                 "outcome": outcomes.get(flight.reminder_id, "sent") if error else "sent",
                 "error": str(error or "")[:300]}
                for flight, status_code, error in results])
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("could not record the outcomes of reminders %s",
                          [flight.reminder_id for flight, _ in finished])

    @staticmethod
    def _result_of(future: Future) -> tuple[int | None, TransportError | None]:
        """(status code, error) of a finished send."""
        try:
            return future.result(), None
        except TransportError as failure:
            return failure.status, failure
        except Exception as failure:  # a bug must not stop the other reminders
            log.exception("push send crashed")
            return None, TransportError(f"unexpected error: {type(failure).__name__}",
                                        permanent=True)

    def _record_failures(self, failed: list[tuple[InFlight, TransportError]],
                         now: datetime) -> dict[int, str]:
        reminders = {r.id: r for r in self._load([flight.reminder_id for flight, _ in failed])}
        return {flight.reminder_id: self._record_failure(reminders[flight.reminder_id], error,
                                                         now)
                for flight, error in failed if flight.reminder_id in reminders}

    def _record_failure(self, reminder: Reminder, error: TransportError, now: datetime) -> str:
        attempts = reminder.attempts + 1
        sub = reminder.subscription
        if sub is not None:
            sub.last_failure_at, sub.last_error = now, str(error)[:300]
            sub.consecutive_failures += 1
        if not error.permanent:
            delay = self.retry_base * 2 ** (attempts - 1)
            if error.retry_after is not None:
                delay = max(delay, timedelta(seconds=error.retry_after))
            if now + delay < reminder.expires_at:
                outbox.settle(db.session, reminder.id, self.worker,
                              status=ReminderStatus.PENDING, next_attempt_at=now + delay,
                              attempts=attempts, last_error=str(error)[:300])
                return "retry"
        outbox.settle(db.session, reminder.id, self.worker, status=ReminderStatus.FAILED,
                      attempts=attempts, last_error=str(error)[:300])
        if error.subscription_gone and sub is not None:
            subscriptions.forget(db.session, sub)
            return "gone"
        return "failed"
