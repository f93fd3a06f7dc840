"""Reminder throughput with 1, 2 and 4 worker processes (`flask reminders run`) on PostgreSQL.

The same 20,000 due dose reminders (a copy of one prepared database per run) go to the local
push receiver, which verifies each VAPID JWT and decrypts each payload as a browser would.
Prints reminders per second for each run (first to last arrival), the CPU per reminder of the
workers, the receiver and PostgreSQL (the cluster's server processes), PostgreSQL's commits
and rows written per reminder, and checks that every reminder arrived exactly once.

    .venv/bin/python bench/bench_reminder_scale.py [--reminders 20000] [--workers 1,2,4]
"""
import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import ops_processes as procs  # noqa: E402
from tests.push_receiver import PushReceiver  # noqa: E402

DOSES_PER_DEVICE = 20  # one a minute over the last 20 minutes: all due, all in their hour
DEVICES_PER_CLIENT = 4


def prepare(url: str, receiver: PushReceiver, reminders: int) -> set[tuple[str, int]]:
    """Clients with devices and a medication taken every minute of the last 20, and their
    reminders planned; returns the (receiver subscription, planned dose) pairs due."""
    from app import create_app
    from models import (MedicationKind, PushSubscription, Reminder, ReminderKind, User, db)
    from tend.reminders import planner
    from tend.services import medications

    now = datetime.now(timezone.utc)
    zone = procs.midday_zone(now)
    local = now.astimezone(ZoneInfo(zone))
    times = sorted({(local - timedelta(minutes=n)).strftime("%H:%M")
                    for n in range(1, DOSES_PER_DEVICE + 1)})
    clients = reminders // (DOSES_PER_DEVICE * DEVICES_PER_CLIENT)
    procs.create_clients(url, clients, timezone=zone)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-only-" * 4})
    devices = {}
    with app.app_context():
        for user in db.session.scalars(sa.select(User)):
            medications.create_medication(
                db.session, user, name="Daily", form="tablet", kind=MedicationKind.PRESCRIBED,
                spec=medications.RegimenSpec(times=times), started_on=local.date(), now=now)
            for _ in range(DEVICES_PER_CLIENT):
                sub = receiver.subscribe()
                row = PushSubscription(user_id=user.id, endpoint=sub.endpoint, p256dh=sub.p256dh,
                                       auth=sub.auth, created_at=now)
                db.session.add(row)
                db.session.flush()
                devices[row.id] = sub.id
        db.session.commit()
        planner.plan_all(db.session, now)
        db.session.commit()
        due = db.session.execute(sa.select(Reminder.subscription_id, Reminder.planned_dose_id)
                                 .where(Reminder.kind == ReminderKind.DOSE,
                                        Reminder.due_at <= now)).all()
        db.session.remove()
        db.engine.dispose()
    return {(devices[sub_id], dose_id) for sub_id, dose_id in due}


def copy_database(url: str, name: str) -> str:
    """A copy of the prepared database (PostgreSQL's CREATE DATABASE ... TEMPLATE)."""
    template = url.rsplit("/", 1)[1]
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def postgres_cpu_seconds(url: str) -> float:
    """CPU time used so far by the cluster serving ``url``: its postmaster, the server
    processes running and those that ended (Linux /proc)."""
    port = f"-p\0{sa.make_url(url).port}\0".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"postgres" in cmdline.read_bytes() and port in cmdline.read_bytes():
                pid = cmdline.parent.name
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                return procs.cpu_seconds([pid, *children]) + \
                    procs.reaped_children_cpu_seconds(int(pid))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return float("nan")


def database_activity(url: str) -> dict:
    """Commits and rows written so far in the database of ``url`` (pg_stat_database)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        row = conn.exec_driver_sql(
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM "
            "pg_stat_database WHERE datname = current_database()").one()
    engine.dispose()
    return {"commits": row[0], "rows_written": row[1]}


def run(url: str, receiver: PushReceiver, expected: set, workers: int, log_path: Path,
        timeout: float) -> dict:
    with receiver.state.lock:
        receiver.state.deliveries.clear()
        receiver.state.rejections.clear()
    started = time.monotonic()
    receiver_cpu = time.process_time()  # this process: the receiver's threads, mostly
    database_cpu, activity = postgres_cpu_seconds(url), database_activity(url)
    with procs.reminder_workers(url, workers, log_path) as processes:
        deadline = started + timeout
        while time.monotonic() < deadline and len(receiver.deliveries) < len(expected):
            time.sleep(0.5)
        time.sleep(12)  # one more tick of every worker: time for a duplicate to show
        worker_cpu = procs.cpu_seconds(process.pid for process in processes)
    receiver_cpu = time.process_time() - receiver_cpu
    database_cpu = postgres_cpu_seconds(url) - database_cpu
    time.sleep(1)  # the statistics collector's last report
    activity = {key: value - activity[key] for key, value in database_activity(url).items()}
    deliveries = [d for d in receiver.deliveries if d.payload.get("kind") == "dose"]
    pairs = Counter((d.subscription_id, d.payload["dose"]) for d in deliveries)
    arrivals = sorted(d.received_at for d in deliveries)
    span = (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else float("nan")
    return {"workers": workers, "arrived": len(set(pairs)), "expected": len(expected),
            "duplicates": sum(count - 1 for count in pairs.values()),
            "lost": len(expected - set(pairs)), "unexpected": len(set(pairs) - expected),
            "rejected": len(receiver.rejections), "seconds": span,
            "per_second": len(deliveries) / span if span else float("nan"),
            "worker_cpu_ms_each": worker_cpu * 1000 / max(len(deliveries), 1),
            "receiver_cpu_ms_each": receiver_cpu * 1000 / max(len(deliveries), 1),
            "database_cpu_ms_each": database_cpu * 1000 / max(len(deliveries), 1),
            "commits_each": activity["commits"] / max(len(deliveries), 1),
            "rows_written_each": activity["rows_written"] / max(len(deliveries), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=20000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    reason = procs.postgres_unavailable_reason()
    if reason:
        print(f"reminder scale benchmark skipped: {reason}")
        return 0
    folder = Path(tempfile.mkdtemp(prefix="tend-reminder-scale-"))
    results = []
    with procs.postgres_cluster() as url, PushReceiver() as receiver:
        procs.migrate(url)
        began = time.monotonic()
        expected = prepare(url, receiver, args.reminders)
        print(f"{len(expected)} due reminders prepared in {time.monotonic() - began:.0f} s")
        for workers in (int(n) for n in args.workers.split(",")):
            copy = copy_database(url, f"run_{workers}_workers")
            result = run(copy, receiver, expected, workers, folder / f"workers-{workers}.log",
                         args.timeout)
            results.append(result)
            print(f"{workers} worker process(es): {result['per_second']:.0f} reminders/s "
                  f"({result['arrived']} of {result['expected']} in {result['seconds']:.1f} s), "
                  f"duplicates {result['duplicates']}, lost {result['lost']}, "
                  f"rejected {result['rejected']}; CPU per reminder: workers "
                  f"{result['worker_cpu_ms_each']:.2f} ms, receiver "
                  f"{result['receiver_cpu_ms_each']:.2f} ms, PostgreSQL "
                  f"{result['database_cpu_ms_each']:.2f} ms; PostgreSQL per reminder: "
                  f"{result['commits_each']:.3f} commits, {result['rows_written_each']:.1f} "
                  f"rows written; load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
    base = results[0]["per_second"]
    for result in results:
        print(f"  {result['workers']} worker(s): {result['per_second'] / base:.2f} x one worker")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "reminder_scale.json").write_text(json.dumps(results, indent=2))
    exact = all(r["duplicates"] == r["lost"] == r["unexpected"] == 0 for r in results)
    print("every reminder arrived exactly once" if exact else "NOT exactly once: see above")
    print(f"worker logs in {folder}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
