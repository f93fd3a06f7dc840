"""Dispatching 10,000 due reminders to the local push receiver, against the bare HTTP posts.

1. The dispatcher: 10,000 due dose reminders (100 devices x 100 doses) in the outbox; one
   ``Dispatcher.drain()`` claims, builds, encrypts, signs, posts and records them all. Prints
   throughput and the p50/p99 of (sent at - due at).
2. A bare loop in the same process: the same 10,000 posts (same payload shape, same sender,
   same pool size) with no database at all.
The ratio says what the outbox (claims, payload building, attempt rows, one transaction per
group of outcomes) costs on top of Web Push itself. The receiver verifies every VAPID JWT and
decrypts every payload in the same process, so both figures include its work.

    .venv/bin/python bench/bench_reminders.py [--reminders 10000] [--pool 8]
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_reminders.py
"""
import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from models import Reminder, ReminderStatus, Role, db  # noqa: E402
from tend.push.keys import identity  # noqa: E402
from tend.push.sender import Sender  # noqa: E402
from tend.reminders.dispatcher import Dispatcher  # noqa: E402
from tests.conftest import make_person  # noqa: E402
from tests.push_receiver import PushReceiver  # noqa: E402
from tests.reminder_helpers import seed_due_reminders  # noqa: E402

DEVICES = 100


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_dispatcher(app, receiver: PushReceiver, reminders: int, pool: int) -> dict:
    with app.app_context():
        person = make_person("bench@example.com", "Bench", Role.CLIENT)
        devices = [receiver.subscribe() for _ in range(DEVICES)]
        due = datetime.now(timezone.utc)
        seed_due_reminders(person.id, devices, reminders // DEVICES, due)
        dispatcher = Dispatcher(app, pool_size=pool)
        started = time.perf_counter()
        dispatcher.drain()
        elapsed = time.perf_counter() - started
        dispatcher.close()
        rows = db.session.execute(select(Reminder.status, Reminder.due_at, Reminder.sent_at)).all()
        db.session.remove()
    assert all(status == ReminderStatus.SENT for status, _, _ in rows), "not every one was sent"
    assert len(receiver.deliveries) == len(rows)
    lags = [(sent - due_at).total_seconds() for _, due_at, sent in rows]
    return {"reminders": len(rows), "seconds": elapsed, "per_second": len(rows) / elapsed,
            "p50_lag_s": percentile(lags, 0.50), "p99_lag_s": percentile(lags, 0.99)}


def run_bare(app, receiver: PushReceiver, posts: int, pool: int) -> dict:
    """The same posts through the same sender and pool size, with no database."""
    with app.test_request_context("/"):
        sender = Sender(identity())
    devices = [receiver.subscribe() for _ in range(DEVICES)]
    payload = {"v": 1, "kind": "dose", "tag": "dose-1", "title": "Tend",
               "body": "Time for your 8:00 medication.", "url": "/today?dose=1",
               "dose": 1, "timestamp": 0, "renotify": False,
               "actions": [{"action": "taken", "title": "Taken"},
                           {"action": "snooze", "title": "Snooze 10 min"}],
               "tokens": {"taken": "x" * 90, "snooze": "y" * 90}, "act": "/reminders/act",
               "unreachable": "Tend couldn't be reached. Tap to open Today and log it there."}
    before = len(receiver.deliveries)
    started = time.perf_counter()
    with ThreadPoolExecutor(pool) as executor:
        list(executor.map(lambda n: sender.send(devices[n % DEVICES].info, payload,
                                                topic=f"dose-{n}", ttl=3600), range(posts)))
    elapsed = time.perf_counter() - started
    assert len(receiver.deliveries) - before == posts
    return {"posts": posts, "seconds": elapsed, "per_second": posts / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=8)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="tend-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-only-" * 4,
                      "TESTING": True})
    app.instance_path = folder  # a VAPID key of its own
    with app.app_context():
        upgrade()
    with PushReceiver() as receiver:
        dispatched = run_dispatcher(app, receiver, args.reminders, args.pool)
        bare = run_bare(app, receiver, dispatched["reminders"], args.pool)
    result = {"database": url.split(":", 1)[0], "pool": args.pool, "dispatcher": dispatched,
              "bare_posts": bare, "dispatcher_to_bare": dispatched["per_second"]
              / bare["per_second"]}
    print(f"Reminders ({result['database']}, pool {args.pool}): "
          f"{dispatched['reminders']} dispatched in {dispatched['seconds']:.1f} s = "
          f"{dispatched['per_second']:.0f}/s; sent-due lag p50 {dispatched['p50_lag_s']:.2f} s, "
          f"p99 {dispatched['p99_lag_s']:.2f} s")
    print(f"Bare posts, same process, no database: {bare['per_second']:.0f}/s; "
          f"dispatcher/bare = {result['dispatcher_to_bare']:.2f}")
    out = ROOT / "bench" / "results" / "reminders.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
