"""Sending claimed reminders from a bounded pool of threads.

The database is touched only by the dispatching thread. It claims reminders in batches of
``CLAIM_BATCH`` (their ids and kinds), has each kind load its own (``load``: one query a kind,
plain columns for the dose kinds), reads their devices as plain rows and builds their payloads
(one transaction per batch: the claim's fixed cost is shared by many), keeping them in a
backlog; from it, it tops the pool's queue up before
it runs dry, a few pool-fulls at a time, writing one ``sending`` attempt row per reminder
(one statement) and only then handing the HTTP posts to the pool. A claim waiting in the
backlog is renewed before it is a quarter of the lease old, so a send always starts with
most of its lease ahead (a push service that hangs holds the backlog up). Outcomes are
written together in short transactions, at least every ``WRITE_EVERY`` (the deliveries of
one write are three statements, however many there are, committed with the next sends'
attempts: one commit for both); until then a send's attempt says ``sending``, so a crash in
between is never mistaken for "not sent". Writing a delivery again is harmless (the same
values; the reminder is settled only while still claimed), so a write rolled back with a
failed claim is simply repeated. The
sender keeps its connections and VAPID headers per push service from one tick to the next.
An outcome that cannot be written (the database is restarting) is kept in memory and written
once the database answers again, before anything new is claimed: a database blip repeats
nothing. A worker killed with sends in flight leaves their attempts at ``sending`` (at most
``pool_size * (1 + CLAIM_AHEAD)``; its backlog has no attempts and simply comes back when
the lease runs out); whoever takes those reminders over marks the attempts ``unknown``
(perhaps delivered) and sends again with ``resent`` in the payload, so the service worker
shows a repeat silently. A push service that hangs holds one thread until the timeout; the
others carry on. One that answers 429 (or 503 with Retry-After) is paused for as long as it
asked (``tend.push.pacing``): its sends not yet posted wait, untried, and every worker leaves
its pending reminders until then, while the other push services go on at full speed."""
import logging
import os
import queue
import socket
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, insert, literal, select, update
from sqlalchemy.exc import DBAPIError

from models import DeliveryAttempt, PushSubscription, Reminder, ReminderStatus, User, db, utcnow
from models.base import UTCDateTime, column_rows
from tend.database import writes_intended
from tend.push import subscriptions
from tend.push.keys import identity
from tend.push.pacing import Pauses, origin_of, pause_asked
from tend.push.sender import Sender, TransportError
from tend.reminders import kinds, messages, outbox
from tend.reminders.choices import settings_of

log = logging.getLogger("tend.reminders")
MIN_TTL = 60
CLAIM_AHEAD = 3  # pool-fulls queued behind the sends running: the pool never waits for the
# database, and a queued send waits at most ~3 sends (3 x timeout), well within the lease
CLAIM_BATCH = 32  # pool-fulls claimed and prepared at once (their attempts are written as
# they are queued, so a crash still leaves at most pool_size * (1 + CLAIM_AHEAD) unknown)
RENEW_AFTER = 0.25  # of the lease: a backlog claim older than this is renewed before it starts
RECONNECT_PAUSE = 0.5  # seconds between tries to write outcomes while the database is away
WRITE_EVERY = 0.2  # seconds: outcomes are written together, at least this often (and at
# once when two pool-fulls are waiting or nothing is in flight)


class Outcome:
    """What a ``DeliveryAttempt.outcome`` says."""
    SENDING = "sending"  # handed to the push service; the result is not written yet
    UNKNOWN = "unknown"  # its worker stopped before writing the result: perhaps delivered
    SENT = "sent"
    RETRY = "retry"
    GONE = "gone"
    FAILED = "failed"


_ATTEMPTS = DeliveryAttempt.__table__
_DEVICE = PushSubscription.__table__.c
_DEVICES = select(_DEVICE.id, _DEVICE.endpoint, _DEVICE.p256dh, _DEVICE.auth).where(
    _DEVICE.id.in_(bindparam("ids", expanding=True)))
# The attempts of sends about to start, one statement for the batch (no row of parameters
# each: the rows come from the reminders' ids).
_SENDING_ATTEMPTS = insert(_ATTEMPTS).from_select(
    ["reminder_id", "started_at", "duration_ms", "outcome", "error"],
    select(Reminder.__table__.c.id, bindparam("now", type_=UTCDateTime()), literal(0),
           literal(Outcome.SENDING), literal("")).where(
        Reminder.__table__.c.id.in_(bindparam("reminder_ids", expanding=True)))
).returning(_ATTEMPTS.c.reminder_id, _ATTEMPTS.c.id)
# A delivered send's attempt, one executemany for a write's deliveries (Core on the table).
_DELIVERED_ATTEMPT = update(_ATTEMPTS).where(_ATTEMPTS.c.id == bindparam("attempt_id")).values(
    duration_ms=bindparam("took_ms"), status_code=bindparam("answered"), outcome=Outcome.SENT,
    error="")


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{os.urandom(2).hex()}"


@dataclass
class Job:
    """A claimed reminder with its payload built, waiting in the backlog to be started."""
    reminder_id: int
    subscription_id: int
    origin: str  # the push service's
    attempts: int  # before this one
    expires_at: datetime
    claimed_until: datetime
    info: dict  # the subscription, as the sender takes it
    payload: dict
    topic: str
    urgency: str


@dataclass
class InFlight:
    """A send handed to the pool, with what recording its outcome needs without reading the
    reminder again; the pool thread fills in how long the post took."""
    reminder_id: int
    subscription_id: int
    origin: str  # the push service's
    attempt_id: int
    attempts: int  # before this one
    expires_at: datetime
    started_at: datetime
    duration_ms: int = 0
    started_monotonic: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        """The dispatcher's clock, read in a pool thread (which has no app context)."""
        return self.started_at + timedelta(seconds=time.monotonic() - self.started_monotonic)


@dataclass
class Finished:
    flight: InFlight
    status_code: int | None
    error: TransportError | None
    held_back_until: datetime | None = None  # not posted: its push service is paused


def _sending(dispatcher: "weakref.ref[Dispatcher]", queued: queue.SimpleQueue,
             done: queue.SimpleQueue) -> None:
    """A sending thread: makes the sends queued, one after the other, until told to stop
    (holding its dispatcher only while sending, so a dispatcher dropped unclosed goes)."""
    while (sending := queued.get()) is not None:
        done.put(dispatcher()._send(*sending))


def _stop(queued: queue.SimpleQueue, threads: int) -> None:
    for _thread in range(threads):
        queued.put(None)


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
        self._sender: Sender | None = None
        self._threads: list[threading.Thread] = []  # the sending threads, started with it
        self._unwritten: list[Finished] = []  # outcomes the database could not take yet
        self._writing: list[Finished] = []  # deliveries written, their transaction still open
        self._backlog: deque[Job] = deque()  # claimed and prepared, not started
        # Sends to make, taken by the sending threads in turn (one still here has not
        # started), and their results as they finish.
        self._queued: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[Finished] = queue.SimpleQueue()
        self.pauses = Pauses()

    def close(self) -> None:
        _stop(self._queued, len(self._threads))
        for thread in self._threads:
            thread.join()
        self._threads = []
        if self._sender is not None:
            self._sender.close()

    def _ensure_sender(self) -> None:
        """One sender for the dispatcher's life: its connections and VAPID headers are kept
        from one drain to the next; and its sending threads (again after a close)."""
        if self._sender is None:
            self._sender = Sender(identity(), timeout=self.timeout,
                                  connections_per_origin=self.pool_size)
        if not self._threads:
            self._threads = [threading.Thread(
                target=_sending, args=(weakref.ref(self), self._queued, self._done),
                name=f"push_{n}", daemon=True) for n in range(self.pool_size)]
            for thread in self._threads:
                thread.start()
            # A dispatcher dropped without close() stops its threads too.
            weakref.finalize(self, _stop, self._queued, self.pool_size)

    def drain(self, stop: threading.Event | None = None) -> int:
        """Send everything due now; returns how many sends were made. With ``stop`` set,
        starts nothing more but finishes (and records) the sends already running; claimed
        reminders not yet started go back to the outbox at once. While the database is away,
        sends in flight finish and their outcomes wait here until it is back (after a stop,
        for a lease at most: by then another worker may have taken the reminders over)."""
        stop = stop or threading.Event()
        sent = 0
        base_url = self.app.config["TEND_BASE_URL"]
        # A context (and database session) of its own, also when called inside another one.
        with self.app.app_context(), self.app.test_request_context("/", base_url=base_url), \
                writes_intended():
            self._ensure_sender()
            in_flight: dict[int, InFlight] = {}  # by attempt id
            give_up_at = None
            written, next_write = True, 0.0
            try:
                while True:
                    stopping = stop.is_set()
                    if not in_flight or stopping or time.monotonic() >= next_write \
                            or len(self._unwritten) >= 2 * self.pool_size:
                        # The deliveries go out with the next sends' attempts, in one commit.
                        written = self._write_outcomes(commit_deliveries=stopping)
                        next_write = time.monotonic() + WRITE_EVERY
                    if stopping:
                        self._give_back_unstarted(in_flight)
                        give_up_at = give_up_at or time.monotonic() + \
                            self.lease.total_seconds()
                    elif written and self._uncertain(in_flight) <= self.pool_size * CLAIM_AHEAD:
                        self._claim_and_start(in_flight)  # tops the queue up
                    if self._writing:
                        written = self._commit_deliveries()
                    if not in_flight:
                        if self._backlog and written and not stop.is_set():
                            continue  # none of those started could go: the next ones
                        if not self._unwritten:
                            break
                        if give_up_at is not None and time.monotonic() > give_up_at:
                            log.error("gave up writing the outcomes of reminders %s",
                                      [f.flight.reminder_id for f in self._unwritten])
                            self._unwritten.clear()
                            break
                        time.sleep(RECONNECT_PAUSE)
                        continue
                    for finished in self._finished_sends():
                        if in_flight.pop(finished.flight.attempt_id, None) is None:
                            continue  # not this drain's (none should be)
                        self._unwritten.append(finished)
                        sent += finished.held_back_until is None
            finally:
                self._give_back_unstarted(in_flight)
                self._wait_for(in_flight)  # after an unexpected error
                self._write_outcomes()
                db.session.remove()
        return sent

    def _wait_for(self, in_flight: dict) -> None:
        """Until the sends in flight have finished, their outcomes waiting to be written."""
        while in_flight:
            finished = self._done.get()
            if in_flight.pop(finished.flight.attempt_id, None) is not None:
                self._unwritten.append(finished)

    def _finished_sends(self) -> list[Finished]:
        """The sends finished since the last call, waiting up to a second for one."""
        try:
            done = [self._done.get(timeout=1)]
        except queue.Empty:
            return []
        while True:
            try:
                done.append(self._done.get_nowait())
            except queue.Empty:
                return done

    def _claim_and_start(self, in_flight: dict) -> None:
        try:
            room = self.pool_size * (CLAIM_AHEAD + 1) - self._uncertain(in_flight)
            if len(self._backlog) < room:
                now = self.now()
                claimed = outbox.claim_due(db.session, self.worker, now,
                                           self.pool_size * CLAIM_BATCH - len(self._backlog),
                                           self.lease)
                self._backlog.extend(self._prepare(claimed, now + self.lease))
            self._start([self._backlog.popleft()
                         for _ in range(min(room, len(self._backlog)))], in_flight)
        except DBAPIError:  # the database is away: what is claimed comes back after the lease
            db.session.rollback()
            self._writing = []  # rolled back with it: written again (the same values) later
            log.warning("could not claim reminders: the database did not answer")
            if not in_flight:
                raise

    def _uncertain(self, in_flight: dict) -> int:
        """Sends whose attempts say ``sending``: queued, posting, or finished but not written
        yet (deliveries written in the open transaction are settled by the commit that puts
        the next attempts on record, or by neither). At most ``pool_size * (1 + CLAIM_AHEAD)``:
        all a crash can leave unknown."""
        return len(in_flight) + len(self._unwritten) - len(self._writing)

    def _give_back_unstarted(self, in_flight: dict) -> None:
        unstarted = []
        while True:
            try:
                unstarted.append(in_flight.pop(self._queued.get_nowait()[0].attempt_id))
            except queue.Empty:
                break
        backlog = [job.reminder_id for job in self._backlog]
        self._backlog.clear()
        if not unstarted and not backlog:
            return
        try:
            outbox.release(db.session, [flight.reminder_id for flight in unstarted] + backlog,
                           self.worker)
            db.session.execute(delete(DeliveryAttempt).where(
                DeliveryAttempt.id.in_([flight.attempt_id for flight in unstarted])))
            db.session.commit()
        except DBAPIError:  # they come back when the lease runs out, marked "unknown"
            db.session.rollback()

    def send_now(self, reminder_id: int) -> None:
        """Claim and send one reminder at once, in the caller's app context."""
        now = self.now()
        kind = outbox.claim_one(db.session, reminder_id, self.worker, now, self.lease)
        if kind is None:
            return
        self._ensure_sender()
        in_flight: dict[int, InFlight] = {}
        self._start(self._prepare([(reminder_id, kind)], now + self.lease), in_flight)
        self._wait_for(in_flight)
        self._write_outcomes()

    # --- starting sends -----------------------------------------------------------------

    @staticmethod
    def _load(claimed: list[tuple[int, str]]) -> list:
        """The claimed reminders as their kinds read them (``load``), a query per kind
        claimed, in the order claimed."""
        by_kind: dict = {}
        for reminder_id, kind in claimed:
            by_kind.setdefault(kinds.of(kind), []).append(reminder_id)
        loaded = {reminder.id: reminder for kind, ids in by_kind.items()
                  for reminder in kind.load(db.session, ids)}
        return [loaded[reminder_id] for reminder_id, _kind in claimed
                if reminder_id in loaded]

    @staticmethod
    def _devices(reminders: list) -> dict[int, tuple[str, dict]]:
        """The push service's origin and the subscription as the sender takes it, for each
        device of the reminders still there (one query; a batch has a device many times)."""
        ids = list({reminder.subscription_id for reminder in reminders})
        return {device.id: (origin_of(device.endpoint), {
            "endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}})
            for device in column_rows(db.session, _DEVICES, {"ids": ids})} if ids else {}

    def _prepare(self, claimed: list[tuple[int, str]], claimed_until: datetime) -> list[Job]:
        """Build the payloads of claimed reminders (one transaction); those no longer to be
        sent are settled here."""
        if not claimed:
            return []
        now = self.now()
        reminder_ids = [reminder_id for reminder_id, _kind in claimed]
        reminders = self._load(claimed)
        devices = self._devices(reminders)
        users = {u.id: u for u in db.session.scalars(
            select(User).where(User.id.in_({r.user_id for r in reminders})))}
        perhaps_delivered = self._mark_interrupted_attempts(reminder_ids)
        wanted = self._still_wanted(reminders, now)
        settings = {}
        to_send = []
        for reminder in reminders:
            skip = self._reason_not_to_send(reminder, reminder.subscription_id in devices,
                                            reminder.id in wanted, now)
            if skip:
                outbox.settle(db.session, reminder.id, self.worker, status=skip)
                continue
            user = users[reminder.user_id]
            if user.id not in settings:
                settings[user.id] = settings_of(db.session, user.id)
            to_send.append((reminder, user, settings[user.id]))
        jobs = []
        for (reminder, _user, _settings), payload in zip(
                to_send, messages.payloads_for(to_send, now)):
            if reminder.id in perhaps_delivered:
                messages.mark_resent(payload)  # shown silently if its first copy is
            kind = kinds.of(reminder.kind)
            origin, info = devices[reminder.subscription_id]
            jobs.append(Job(reminder.id, reminder.subscription_id, origin, reminder.attempts,
                            reminder.expires_at, claimed_until, info, payload,
                            kind.topic(reminder), kind.URGENCY))
        db.session.commit()
        return jobs

    def _start(self, jobs: list[Job], in_flight: dict) -> None:
        """Write a ``sending`` attempt for each job (one transaction), then hand the posts
        to the pool. A job whose push service is paused goes back to the outbox till then,
        untried; one past its time is not sent."""
        if not jobs:
            return
        now = self.now()
        ready = []
        for job in self._renewed(jobs, now):
            paused_until = self.pauses.paused_until(job.origin, now)
            if paused_until is not None:
                outbox.settle(db.session, job.reminder_id, self.worker,
                              status=ReminderStatus.PENDING, next_attempt_at=paused_until)
            elif now >= job.expires_at:
                outbox.settle(db.session, job.reminder_id, self.worker,
                              status=self._expired_status(job.attempts))
            else:
                ready.append(job)
        # One statement for the batch's attempts, each id back with its reminder's (a
        # reminder is in a batch once: its claim is held by one job).
        attempt_of = dict(db.session.connection().execute(_SENDING_ATTEMPTS, {
            "reminder_ids": [job.reminder_id for job in ready], "now": now}).all()) \
            if ready else {}
        db.session.commit()  # the attempts are on record before anything goes out
        for job in ready:
            attempt_id = attempt_of[job.reminder_id]
            flight = InFlight(job.reminder_id, job.subscription_id, job.origin, attempt_id,
                              job.attempts, job.expires_at, now)
            in_flight[attempt_id] = flight
            self._queued.put((flight, job, max(MIN_TTL, int((job.expires_at - now)
                                                            .total_seconds()))))

    def _renewed(self, jobs: list[Job], now: datetime) -> list[Job]:
        """The jobs whose claims still hold, each with most of a lease ahead: a claim older
        than ``RENEW_AFTER`` of the lease is extended, exactly that claim (a claim that ran
        out may have been taken again, by another worker or by this one into a new job)."""
        kept = [job for job in jobs if job.claimed_until > now]
        by_claim: dict[datetime, list[Job]] = {}
        for job in kept:
            if job.claimed_until - now < self.lease * (1 - RENEW_AFTER):
                by_claim.setdefault(job.claimed_until, []).append(job)
        for claimed_until, aging in by_claim.items():
            held = set(outbox.renew(db.session, [job.reminder_id for job in aging], self.worker,
                                    claimed_until, now + self.lease))
            for job in aging:
                job.claimed_until = now + self.lease if job.reminder_id in held else now
        return [job for job in kept if job.claimed_until > now]

    def _mark_interrupted_attempts(self, reminder_ids: list[int]) -> set[int]:
        """Attempts still ``sending`` belong to a worker that stopped before writing their
        outcome (these reminders are ours now): perhaps delivered. Returns their reminders."""
        interrupted = set(db.session.scalars(
            update(DeliveryAttempt)
            .where(DeliveryAttempt.reminder_id.in_(reminder_ids),
                   DeliveryAttempt.outcome == Outcome.SENDING)
            .values(outcome=Outcome.UNKNOWN,
                    error="The worker stopped before recording the outcome; "
                          "it may have been delivered.")
            .returning(DeliveryAttempt.reminder_id)))
        if interrupted:
            log.warning("resending reminders %s, perhaps delivered already", sorted(interrupted))
        return interrupted

    def _send(self, flight: InFlight, job: Job, ttl: int) -> Finished:
        """In a sending thread: post, unless the push service was paused since this send was
        queued; a failure that asks for a pause pauses it at once, for the sends queued
        behind this one."""
        now = flight.now()
        paused_until = self.pauses.paused_until(flight.origin, now)
        if paused_until is not None:
            return Finished(flight, None, None, held_back_until=paused_until)
        started = time.perf_counter()
        try:
            status = self._sender.send(job.info, job.payload, topic=job.topic, ttl=ttl,
                                       urgency=job.urgency, now=now)
            return Finished(flight, status, None)
        except TransportError as error:
            pause = pause_asked(error, self.retry_base)
            if pause is not None:
                self.pauses.pause(flight.origin, flight.now() + pause)
            return Finished(flight, error.status, error)
        except Exception as failure:  # a bug must not stop the other reminders
            log.exception("push send crashed")
            return Finished(flight, None, TransportError(
                f"unexpected error: {type(failure).__name__}", permanent=True))
        finally:
            flight.duration_ms = int((time.perf_counter() - started) * 1000)

    @staticmethod
    def _still_wanted(reminders: list, now: datetime) -> set[int]:
        """Asked of each kind for its reminders in the batch."""
        by_kind: dict = {}
        for reminder in reminders:
            by_kind.setdefault(kinds.of(reminder.kind), []).append(reminder)
        return set().union(*(kind.still_wanted(db.session, batch, now)
                             for kind, batch in by_kind.items()))

    @staticmethod
    def _expired_status(attempts: int) -> str:
        """Past its time: never tried is missed, tried in vain is failed."""
        return ReminderStatus.MISSED if attempts == 0 else ReminderStatus.FAILED

    @classmethod
    def _reason_not_to_send(cls, reminder, device_there: bool, wanted: bool,
                            now: datetime) -> str | None:
        if not device_there:
            return ReminderStatus.CANCELLED
        if now >= reminder.expires_at:
            return cls._expired_status(reminder.attempts)
        if not wanted:
            return ReminderStatus.CANCELLED  # logged, turned off, no longer shared, ...
        return None

    # --- recording outcomes -------------------------------------------------------------

    def _write_outcomes(self, commit_deliveries: bool = True) -> bool:
        """Write the outcomes waiting here: each outcome other than a delivery in its own
        transaction, then the deliveries together (three statements however many there are),
        committed at once or, without ``commit_deliveries``, left in the open transaction for
        the commit that puts the next attempts on record (``_commit_deliveries`` commits them
        if nothing else did). False if the database did not answer: what is not written stays
        for the next try."""
        delivered = [f for f in self._unwritten if f.error is None and f.held_back_until is None]
        if len(delivered) < 2:
            delivered = []  # one alone is written as any other outcome
        grouped = {id(f) for f in delivered}
        if not self._write_one_by_one([f for f in self._unwritten if id(f) not in grouped]):
            return False
        if not delivered:
            return True
        try:
            self._write_delivered(delivered)
        except DBAPIError:
            db.session.rollback()
            return False
        except Exception:  # a bug: written one by one, to find the one
            db.session.rollback()
            log.exception("could not record a group of deliveries")
            return self._write_one_by_one(delivered)
        self._writing = delivered
        return self._commit_deliveries() if commit_deliveries else True

    def _commit_deliveries(self) -> bool:
        """Commit the deliveries written (a no-op if a commit since took them along)."""
        try:
            db.session.commit()
        except DBAPIError:
            db.session.rollback()
            self._writing = []
            return False
        committed = {id(f) for f in self._writing}
        self._unwritten = [f for f in self._unwritten if id(f) not in committed]
        self._writing = []
        return True

    def _write_one_by_one(self, outcomes: list[Finished]) -> bool:
        """Each outcome in its own transaction, taken off ``_unwritten`` once written (or
        found to be a bug); False, with the rest kept, if the database did not answer."""
        for finished in outcomes:
            try:
                self._write_outcome(finished)
                db.session.commit()
            except DBAPIError:
                db.session.rollback()
                return False
            except Exception:  # a bug: log it and go on with the others
                db.session.rollback()
                log.exception("could not record the outcome of reminder %s",
                              finished.flight.reminder_id)
            self._unwritten = [f for f in self._unwritten if f is not finished]
        return True

    def _write_delivered(self, delivered: list[Finished]) -> None:
        now = self.now()
        outbox.settle_sent(db.session, [f.flight.reminder_id for f in delivered], self.worker,
                           now)
        subscriptions.mark_delivered(db.session, {f.flight.subscription_id for f in delivered},
                                     now)
        db.session.connection().execute(_DELIVERED_ATTEMPT, [
            {"attempt_id": f.flight.attempt_id, "took_ms": f.flight.duration_ms,
             "answered": f.status_code} for f in delivered])

    def _write_outcome(self, finished: Finished) -> None:
        flight, error = finished.flight, finished.error
        now = self.now()
        if finished.held_back_until is not None:  # never posted: no attempt, none counted
            db.session.execute(delete(DeliveryAttempt)
                               .where(DeliveryAttempt.id == flight.attempt_id))
            outbox.settle(db.session, flight.reminder_id, self.worker,
                          status=ReminderStatus.PENDING,
                          next_attempt_at=finished.held_back_until)
            return
        if error is None:
            self._write_delivered([finished])
            return
        outcome = self._record_failure(flight, error, now)
        db.session.execute(update(DeliveryAttempt).where(DeliveryAttempt.id == flight.attempt_id)
                           .values(duration_ms=flight.duration_ms,
                                   status_code=finished.status_code, outcome=outcome,
                                   error=str(error)[:300])
                           .execution_options(synchronize_session=False))

    def _record_failure(self, flight: InFlight, error: TransportError, now: datetime) -> str:
        attempts = flight.attempts + 1
        paused_until = self.pauses.paused_until(flight.origin, now)
        if paused_until is not None and pause_asked(error, self.retry_base) is not None:
            outbox.hold_back(db.session, flight.origin, paused_until)
        db.session.execute(update(PushSubscription)
                           .where(PushSubscription.id == flight.subscription_id)
                           .values(last_failure_at=now, last_error=str(error)[:300],
                                   consecutive_failures=PushSubscription.consecutive_failures + 1)
                           .execution_options(synchronize_session=False))
        if not error.permanent:
            delay = self.retry_base * 2 ** (attempts - 1)
            if error.retry_after is not None:
                delay = max(delay, timedelta(seconds=error.retry_after))
            if now + delay < flight.expires_at:
                outbox.settle(db.session, flight.reminder_id, self.worker,
                              status=ReminderStatus.PENDING, next_attempt_at=now + delay,
                              attempts=attempts, last_error=str(error)[:300])
                return Outcome.RETRY
        outbox.settle(db.session, flight.reminder_id, self.worker,
                      status=ReminderStatus.FAILED, attempts=attempts,
                      last_error=str(error)[:300])
        if error.subscription_gone:
            sub = db.session.get(PushSubscription, flight.subscription_id)
            if sub is not None:
                subscriptions.forget(db.session, sub, ended=now)
            return Outcome.GONE
        return Outcome.FAILED
