"""The standalone worker (`flask reminders run`) as a real process: killed mid-batch, stopped
with SIGTERM, and two at once. Every due reminder reaches the local push receiver."""
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from models import (DeliveryAttempt, PushSubscription, Reminder, ReminderStatus, Role,
                    WorkerHeartbeat, db, utcnow)
from tend.reminders.dispatcher import CLAIM_AHEAD
from tests.conftest import TEST_DATABASE_URL, make_person, make_test_app
from tests.push_receiver import PushReceiver
from tests.reminder_helpers import seed_due_reminders

ROOT = Path(__file__).resolve().parents[1]
POOL = 8


@pytest.fixture
def receiver():
    with PushReceiver() as running:
        yield running


def start_worker(database_url: str, log: Path, lease: int = 60) -> subprocess.Popen:
    env = {**os.environ, "FLASK_APP": "app:create_app", "DATABASE_URL": database_url,
           "TEND_REMINDER_TICK": "0.5", "TEND_REMINDER_LEASE": str(lease),
           "TEND_REMINDER_POOL": str(POOL), "TEND_PUSH_TIMEOUT": "5"}
    env.pop("TEND_SCHEDULER", None)
    return subprocess.Popen([str(Path(sys.executable).parent / "flask"), "reminders", "run"],
                            cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT)


def wait_for(condition, what: str, log: Path, seconds: float = 300) -> None:
    """Generous: on a busy 2-core machine a worker takes many seconds just to start."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}; sent: "
                                 f"{count(ReminderStatus.SENT)}; log: {log.read_text()[-1500:]}")
        time.sleep(0.1)


def count(status: str | None = None) -> int:
    db.session.commit()  # a fresh snapshot
    query = select(func.count()).select_from(Reminder)
    if status:
        query = query.where(Reminder.status == status)
    return db.session.scalar(query)


def claimed_keys() -> set[tuple[str, str]]:
    """(receiver subscription, notification tag) of every reminder claimed but not settled."""
    db.session.commit()
    rows = db.session.execute(
        select(PushSubscription.endpoint, Reminder.planned_dose_id)
        .join(PushSubscription, Reminder.subscription_id == PushSubscription.id)
        .where(Reminder.status == ReminderStatus.CLAIMED)).all()
    return {(endpoint.rsplit("/", 1)[-1], f"dose-{dose_id}") for endpoint, dose_id in rows}


def delivered_keys(receiver) -> Counter:
    return Counter((d.subscription_id, d.payload["tag"]) for d in receiver.deliveries)


@pytest.fixture
def many_due(app, alice, receiver):
    """300 due dose reminders: 10 doses for each of 30 devices. Each push takes the receiver
    20 ms, so a batch is in progress for a while."""
    devices = [receiver.subscribe() for _ in range(30)]
    for device in devices:
        receiver.answer(device, *[201] * 10, hang=0.02)
    total = seed_due_reminders(alice.id, devices, 10, utcnow() - timedelta(minutes=1))
    return total


def in_flight_keys() -> set[tuple[str, str]]:
    """(receiver subscription, notification tag) of every send whose attempt is on record as
    ``sending``: handed to the push service, outcome not yet written."""
    db.session.commit()
    rows = db.session.execute(
        select(PushSubscription.endpoint, Reminder.planned_dose_id).select_from(DeliveryAttempt)
        .join(Reminder, DeliveryAttempt.reminder_id == Reminder.id)
        .join(PushSubscription, Reminder.subscription_id == PushSubscription.id)
        .where(DeliveryAttempt.outcome == "sending")).all()
    return {(endpoint.rsplit("/", 1)[-1], f"dose-{dose_id}") for endpoint, dose_id in rows}


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_marks_what_it_may_repeat(
        database_url, tmp_path, receiver, many_due):
    log = tmp_path / "worker.log"
    worker = start_worker(database_url, log, lease=3)
    try:
        wait_for(lambda: len(receiver.deliveries) >= 80, "the first deliveries", log)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        worker.kill()
    before_restart = delivered_keys(receiver)
    in_flight_at_kill = in_flight_keys()
    assert 0 < len(before_restart) < many_due, "the kill did not land mid-batch"
    # The database shows what was in flight: at most the worker's claim window.
    assert 0 < len(in_flight_at_kill) <= POOL * (1 + CLAIM_AHEAD)

    restarted = start_worker(database_url, log, lease=3)
    try:
        wait_for(lambda: count(ReminderStatus.SENT) == many_due, "every reminder sent", log)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(120)

    delivered = delivered_keys(receiver)
    assert len(delivered) == many_due  # every due reminder reached the receiver
    repeats = {key: n for key, n in delivered.items() if n > 1}
    # Repeats come only from sends in flight at the kill (Web Push has no idempotency key),
    # each once, and the repeat says so: the service worker shows it silently.
    assert set(repeats) <= in_flight_at_kill, (repeats, in_flight_at_kill)
    assert all(n == 2 for n in repeats.values())
    resent = Counter((d.subscription_id, d.payload["tag"]) for d in receiver.deliveries
                     if d.payload.get("resent"))
    assert set(repeats) <= set(resent) <= in_flight_at_kill
    outcomes = Counter(db.session.scalars(select(DeliveryAttempt.outcome)))
    assert outcomes == {"sent": many_due, "unknown": len(in_flight_at_kill)}
    assert count(ReminderStatus.CLAIMED) == 0
    assert db.session.get(WorkerHeartbeat, "reminders") is not None


def test_sigterm_finishes_the_sends_in_flight_and_exits(database_url, tmp_path, receiver,
                                                         many_due):
    log = tmp_path / "worker.log"
    worker = start_worker(database_url, log)
    try:
        wait_for(lambda: len(receiver.deliveries) >= 40, "the first deliveries", log)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(120) == 0
    finally:
        worker.kill()
    assert count(ReminderStatus.CLAIMED) == 0  # nothing left half-done
    sent = count(ReminderStatus.SENT)
    assert sent == len(receiver.deliveries) and sent < many_due  # it stopped early, cleanly


def test_two_workers_at_once_send_each_reminder_once(database_url, tmp_path, receiver,
                                                     many_due):
    log = tmp_path / "workers.log"
    workers = [start_worker(database_url, log) for _ in range(2)]
    try:
        wait_for(lambda: count(ReminderStatus.SENT) == many_due, "every reminder sent", log)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(120)
    delivered = delivered_keys(receiver)
    assert len(delivered) == many_due
    assert max(delivered.values()) == 1, log.read_text()[-2000:]


def restart_postgres(folder: str, away: float = 1.0) -> None:
    """Stop PostgreSQL (``-m fast`` cuts every connection), keep it away ``away`` seconds,
    start it again on its port (tests/pg_cluster.sh)."""
    subprocess.run(["bash", "tests/pg_cluster.sh", "restart", folder, str(away)], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own, which it may restart; yields (url, folder).
    The run on SQLite uses it already: the PostgreSQL pass has nothing to add."""
    if TEST_DATABASE_URL:
        pytest.skip("this test brings its own PostgreSQL: the run on SQLite covers it")
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("PostgreSQL binaries are not installed")
    if os.getuid() != 0:
        pytest.skip("tests/pg_cluster.sh runs initdb as the postgres user: needs root")
    folder = tempfile.mkdtemp(prefix="tend-pg.")
    url = subprocess.run(["bash", "tests/pg_cluster.sh", "start", folder], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    yield url, folder
    subprocess.run(["bash", "tests/pg_cluster.sh", "stop", folder], cwd=ROOT)


@pytest.mark.slow
def test_a_database_restart_mid_run_repeats_and_loses_nothing(own_postgres, tmp_path,
                                                             receiver):
    """Sends that finish while PostgreSQL restarts keep their outcome until it is back, so
    nothing goes out twice when the lease ends (before: every such send was repeated)."""
    url, folder = own_postgres
    app = make_test_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        person = make_person("pat@example.com", "Pat", Role.CLIENT)
        devices = [receiver.subscribe() for _ in range(20)]
        for device in devices:  # each post takes 0.3 s: sends are in flight at the stop
            receiver.answer(device, *[201] * 6, hang=0.3)
        total = seed_due_reminders(person.id, devices, 6, utcnow() - timedelta(minutes=1))
        db.session.remove()
        db.engine.dispose()
        log = tmp_path / "worker.log"
        worker = start_worker(url, log, lease=3)
        try:
            wait_for(lambda: len(receiver.deliveries) >= 16, "the first deliveries", log)
            db.session.remove()
            db.engine.dispose()  # this test's own connections are cut too
            before_restart = len(receiver.deliveries)
            restart_postgres(folder)
            after_restart = len(receiver.deliveries)
            wait_for(lambda: count(ReminderStatus.SENT) == total, "every reminder sent", log)
            time.sleep(3.5)  # past the lease: a claim left behind would be sent again now
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(120)
        attempts = Counter(db.session.scalars(select(DeliveryAttempt.outcome)))
        db.session.remove()
        db.engine.dispose()
    assert before_restart < after_restart < total, "no send finished during the restart"
    delivered = delivered_keys(receiver)
    assert len(delivered) == total  # nothing lost
    assert max(delivered.values()) == 1, {k: n for k, n in delivered.items() if n > 1}
    assert attempts == {"sent": total}


@pytest.fixture(scope="module")
def postgres_url():
    """A throw-away PostgreSQL cluster when this run is on SQLite (on PostgreSQL, the test
    above already runs there)."""
    if TEST_DATABASE_URL:
        pytest.skip("this run is on PostgreSQL: test_two_workers_at_once covers it")
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("PostgreSQL binaries are not installed")
    if os.getuid() != 0:
        pytest.skip("tests/pg_cluster.sh runs initdb as the postgres user: needs root")
    folder = tempfile.mkdtemp(prefix="tend-pg.")  # under /tmp: the postgres user must reach it
    url = subprocess.run(["bash", "tests/pg_cluster.sh", "start", folder], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    yield url
    subprocess.run(["bash", "tests/pg_cluster.sh", "stop", folder], cwd=ROOT)


def test_two_workers_on_postgresql_send_each_reminder_once(postgres_url, tmp_path, receiver):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=postgres_url)
    with app.app_context():
        upgrade()
        person = make_person("pat@example.com", "Pat", Role.CLIENT)
        devices = [receiver.subscribe() for _ in range(20)]
        total = seed_due_reminders(person.id, devices, 10, utcnow() - timedelta(minutes=1))
        log = tmp_path / "workers.log"
        workers = [start_worker(postgres_url, log) for _ in range(2)]
        try:
            wait_for(lambda: count(ReminderStatus.SENT) == total, "every reminder sent", log)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(120)
        db.session.remove()
        db.engine.dispose()
    delivered = delivered_keys(receiver)
    assert len(delivered) == total
    assert max(delivered.values()) == 1, log.read_text()[-2000:]
