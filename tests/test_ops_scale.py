"""The production shape under concurrent use: gunicorn with 3 workers and 2 reminder workers on
a throw-away PostgreSQL, several clients signed in and logging doses at once, reminders going
to the local push receiver. No error answers, every reminder exactly once; and on SQLite the
same web traffic never meets "database is locked"."""
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from app import create_app
from models import PlannedDose, PushSubscription, User, db
from tests import ops_processes as procs
from tests.push_receiver import PushReceiver

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                       reason="runs once, in the SQLite pass: it starts its own PostgreSQL"),
]

CLIENTS = 8
DOSES_EACH = 15
DOSE_TIMES = 6  # one a minute, the last this minute: all due, all within their hour


def recent_times(zone: str, now: datetime) -> list[str]:
    local = now.astimezone(ZoneInfo(zone))
    return sorted({(local - timedelta(minutes=n)).strftime("%H:%M") for n in range(DOSE_TIMES)})


def use_like_a_client(client: procs.SignedInClient, medication_id: int) -> list[int]:
    """Log doses and look at Today, as fast as answers come; return every status."""
    statuses = []
    for _ in range(DOSES_EACH):
        statuses.append(client.log_dose(medication_id).status_code)
        statuses.append(client.get("/api/v1/today").status_code)
    statuses.append(client.get("/today").status_code)
    return statuses


def sign_in_and_use(base_url: str, emails: list[str]) -> tuple[list, list[int]]:
    with ThreadPoolExecutor(len(emails)) as pool:
        clients = list(pool.map(lambda email: procs.SignedInClient(base_url, email), emails))
        as_needed = list(pool.map(lambda c: c.add_medication(name="As needed"), clients))
        statuses = sum(pool.map(use_like_a_client, clients, as_needed), [])
    return clients, statuses


def subscribe_devices(url: str, receiver: PushReceiver, emails: list[str]) -> dict[str, int]:
    """Every client gets one device, every other client a second one (straight into the
    database: the subscribe endpoint wants https, the local receiver is http)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "setup-only-" * 4})
    devices = {}
    with app.app_context():
        for n, email in enumerate(emails):
            user = db.session.scalar(select(User).where(User.email == email))
            for _ in range(1 + n % 2):
                sub = receiver.subscribe()
                row = PushSubscription(user_id=user.id, endpoint=sub.endpoint, p256dh=sub.p256dh,
                                       auth=sub.auth, created_at=datetime.now(timezone.utc))
                db.session.add(row)
                db.session.flush()
                devices[sub.id] = row.id
        db.session.commit()
        db.engine.dispose()
    return devices


def expected_reminders(url: str, devices: dict[str, int], medication_ids: list[int]) -> set:
    """(receiver subscription, planned dose) for every device and every dose due by now."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "setup-only-" * 4})
    with app.app_context():
        doses = db.session.execute(select(PlannedDose.id, PlannedDose.client_id)
                                   .where(PlannedDose.medication_id.in_(medication_ids),
                                          PlannedDose.due_at <= datetime.now(timezone.utc))
                                   ).all()
        owners = {sub_id: user_id for sub_id, user_id in db.session.execute(
            select(PushSubscription.id, PushSubscription.user_id))}
        db.session.remove()
        db.engine.dispose()
    return {(receiver_id, dose_id) for receiver_id, sub_id in devices.items()
            for dose_id, client_id in doses if owners[sub_id] == client_id}


def delivered(receiver: PushReceiver) -> list[tuple]:
    return [(d.subscription_id, d.payload["dose"]) for d in receiver.deliveries
            if d.payload.get("kind") == "dose"]


def wait_for(condition, timeout: float, every: float = 1.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def server_errors(log_path) -> list[str]:
    """Tracebacks, locked databases and 5xx answers (but /healthz's 503 while the server
    waited for its reminder workers to start) in the servers' log."""
    text = log_path.read_text(errors="replace")
    return [line for line in text.splitlines()
            if "Traceback" in line or "database is locked" in line
            or ('"status":5' in line and '"route":"/healthz"' not in line)]


def test_three_web_workers_and_two_reminder_workers_on_postgresql(tmp_path):
    reason = procs.postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    now = datetime.now(timezone.utc)
    zone = procs.midday_zone(now)
    log_path = tmp_path / "servers.log"
    with procs.postgres_cluster() as url, PushReceiver() as receiver:
        procs.migrate(url)
        emails = procs.create_clients(url, CLIENTS, timezone=zone)
        devices = subscribe_devices(url, receiver, emails)
        with procs.gunicorn(url, log_path, workers=3, TEND_EXPECT_REMINDER_WORKER="1") as base:
            scheduled = [procs.SignedInClient(base, email).add_medication(
                recent_times(zone, now), name="Daily") for email in emails]
            expected = expected_reminders(url, devices, scheduled)
            assert len(expected) == DOSE_TIMES * len(devices)

            with procs.reminder_workers(url, 2, log_path) as workers:
                _, statuses = sign_in_and_use(base, emails)
                arrived = wait_for(lambda: len(delivered(receiver)) >= len(expected), 240)
                wait_for(lambda: False, 25)  # two more ticks: time for any duplicate to show
                health = requests.get(base + "/healthz", timeout=10)
                assert all(worker.poll() is None for worker in workers)

    assert Counter(statuses) == {201: CLIENTS * DOSES_EACH,
                                 200: CLIENTS * (DOSES_EACH + 1)}
    got = delivered(receiver)
    assert arrived, f"{len(got)} of {len(expected)} reminders arrived"
    assert [pair for pair, count in Counter(got).items() if count > 1] == [], "duplicates"
    assert set(got) == expected, "lost or unexpected reminders"
    assert receiver.rejections == []
    assert health.status_code == 200, health.text
    assert health.json()["checks"]["reminder_worker"]["status"] == "running"
    assert server_errors(log_path) == []


def test_three_web_workers_on_sqlite_never_meet_a_locked_database(tmp_path):
    log_path = tmp_path / "gunicorn.log"
    with procs.sqlite_database() as url:
        procs.migrate(url)
        emails = procs.create_clients(url, CLIENTS)
        with procs.gunicorn(url, log_path, workers=3) as base:
            _, statuses = sign_in_and_use(base, emails)
    assert Counter(statuses) == {201: CLIENTS * DOSES_EACH, 200: CLIENTS * (DOSES_EACH + 1)}
    assert server_errors(log_path) == []
