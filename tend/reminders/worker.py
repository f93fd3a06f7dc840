"""The reminder worker: APScheduler only ticks; the outbox rows are the source of truth.

One interval job with a fixed id in the in-memory job store, ``max_instances=1`` (a slow tick
is never overlapped by the next), ``coalesce=True`` and ``misfire_grace_time=None`` (ticks
missed while busy or suspended run once, late, instead of being dropped or piling up). Never
a persistent job store: the pickled SQLAlchemy store loses and duplicates jobs across
processes, and the outbox already remembers everything that matters."""
import atexit
import logging
import os
import signal
import threading
import time
from datetime import timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from models import db, utcnow
from tend.database import writes_intended
from tend.ops.heartbeat import REMINDERS, record_heartbeat
from tend.ops.logs import log_event
from tend.reminders import outbox, planner
from tend.reminders.dispatcher import Dispatcher

log = logging.getLogger("tend.reminders")
# A drain that outlasts the interval makes APScheduler skip ticks (max_instances=1): expected,
# and logged as a warning on every skip otherwise.
logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
JOB_ID = "reminders-tick"
PLAN_EVERY = timedelta(minutes=1)


def setting(app, name: str, default: float) -> float:
    """A worker setting from the app's config or the environment (TEND_REMINDER_TICK: seconds
    between ticks; TEND_REMINDER_LEASE: seconds a claim holds; TEND_REMINDER_POOL: parallel
    sends; TEND_PUSH_TIMEOUT: seconds per send)."""
    return float(app.config.get(name, os.environ.get(name, default)))


class ReminderWorker:
    def __init__(self, app, *, now=utcnow):
        self.app = app
        self.now = now
        self.tick_seconds = setting(app, "TEND_REMINDER_TICK", 10)
        self.dispatcher = Dispatcher(
            app, now=now, pool_size=int(setting(app, "TEND_REMINDER_POOL", 8)),
            timeout=setting(app, "TEND_PUSH_TIMEOUT", 10),
            lease=timedelta(seconds=setting(app, "TEND_REMINDER_LEASE", 60)))
        self.stop = threading.Event()
        self._planned_at = None
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            timezone="UTC")

    def tick(self) -> None:
        """Beat, plan (once a minute), retire stale reminders, then send what is due; a
        tick that sent anything logs one ``reminder_batch`` line."""
        if self.stop.is_set():
            return
        started = time.perf_counter()
        try:
            self.prepare()
            sends = self.dispatcher.drain(self.stop)
        except Exception:  # the next tick tries again; the outbox lost nothing
            log.exception("reminder tick failed")
            return
        if sends:
            log_event("reminder_batch", worker=self.dispatcher.worker, sends=sends,
                      duration_ms=round((time.perf_counter() - started) * 1000, 1))

    def prepare(self) -> None:
        with self.app.app_context(), writes_intended():
            now = self.now()
            record_heartbeat(db.session, REMINDERS, now)
            db.session.commit()
            if self._planned_at is None or now - self._planned_at >= PLAN_EVERY:
                planner.plan_all(db.session, now)
                db.session.commit()
                self._planned_at = now
            outbox.expire_stale(db.session, now)
            db.session.commit()
            db.session.remove()

    def start(self) -> None:
        self.scheduler.add_job(self.tick, "interval", seconds=self.tick_seconds, id=JOB_ID,
                               replace_existing=True, next_run_time=utcnow())
        self.scheduler.start()

    def shutdown(self) -> None:
        """Stop claiming, let the tick in flight finish its sends, then stop."""
        self.stop.set()
        self.scheduler.shutdown(wait=True)
        self.dispatcher.close()


def run_forever(app) -> None:
    """``flask reminders run``: the standalone worker. SIGTERM or Ctrl-C finish the batch
    in flight and exit."""
    with app.app_context():
        db.engine.dispose()  # connections are made here, in this process, never inherited
    worker = ReminderWorker(app)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    worker.start()
    log.info("reminder worker %s started", worker.dispatcher.worker)
    while not done.wait(1):
        pass
    worker.shutdown()
    log.info("reminder worker %s stopped", worker.dispatcher.worker)


def start_embedded_scheduler(app) -> ReminderWorker | None:
    """``make run`` sets TEND_SCHEDULER=embedded: the single development process ticks
    reminders itself. Gunicorn and tests never set it; production runs ``flask reminders
    run`` (one tick loop per worker process, never one per web worker)."""
    mode = app.config.get("TEND_SCHEDULER", os.environ.get("TEND_SCHEDULER", ""))
    if mode != "embedded" or app.testing:
        return None
    worker = ReminderWorker(app)
    worker.start()
    atexit.register(worker.shutdown)
    return worker

