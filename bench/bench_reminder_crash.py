"""Reminders through crashes: two worker processes on a throw-away PostgreSQL, killed with
SIGKILL a few times and the database restarted once, against the local push receiver.

1. Throughput: N due reminders through 2 workers (``flask reminders run``), no faults, with
   this code and, in the same run, with the code before issue 12 (commit ``OLD``, unpacked
   with ``git archive``; if that is not possible, against a bare loop of the same posts).
   Reminders/s is counted from the first delivery to the last, so worker start-up is left out.
2. Crash run: N due reminders (each post held 20 ms, so sends are in flight), 2 workers with a
   3 s lease; a worker is killed with SIGKILL K times (a new one started each time) and
   PostgreSQL restarted once mid-run. Prints what was lost, the duplicates per kill against
   the sends that kill left in flight (their attempts ``sending``, then ``unknown``), and the
   duplicates from the restart (every repeat not explained by a kill).

    .venv/bin/python bench/bench_reminder_crash.py [--reminders 2000] [--kills 4]

Needs root and Debian's PostgreSQL (tests/pg_cluster.sh); otherwise it says so and stops."""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from tests.push_receiver import PushReceiver  # noqa: E402

OLD = "ac4cc7f"  # main before issue 12's reminder work
DEVICES = 50
POOL = 8
HANG = 0.02  # seconds the receiver holds each post in the crash run
FLASK = Path(sys.executable).parent / "flask"

# Run in the tree being measured (its own models and helpers): migrate, then seed.
SEED = """
import json, sys
from datetime import timedelta
from types import SimpleNamespace
from flask_migrate import upgrade
from app import create_app
from models import Role, utcnow
from tests.conftest import make_person
from tests.reminder_helpers import seed_due_reminders
spec = json.loads(sys.argv[1])
app = create_app({"SQLALCHEMY_DATABASE_URI": spec["url"], "TESTING": True,
                  "SECRET_KEY": "bench-only-" * 4})
with app.app_context():
    upgrade()
    person = make_person("bench@example.com", "Bench", Role.CLIENT)
    devices = [SimpleNamespace(**device) for device in spec["devices"]]
    print(seed_due_reminders(person.id, devices, spec["per_device"],
                             utcnow() - timedelta(minutes=1)))
"""


class Cluster:
    """A PostgreSQL of this run's own (tests/pg_cluster.sh), one database per phase."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="tend-crash-pg.")
        self.admin_url = self._script("start", self.folder).strip()
        self.admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT",
                                      pool_pre_ping=True)

    def _script(self, *args) -> str:
        return subprocess.run(["bash", "tests/pg_cluster.sh", *args], cwd=ROOT, check=True,
                              capture_output=True, text=True, timeout=120).stdout

    def database(self, name: str) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def restart(self, away: float = 1.0) -> None:
        self._script("restart", self.folder, str(away))

    def stop(self) -> None:
        self.admin.dispose()
        subprocess.run(["bash", "tests/pg_cluster.sh", "stop", self.folder], cwd=ROOT)


def seed(tree: Path, url: str, devices, per_device: int) -> int:
    spec = {"url": url, "per_device": per_device,
            "devices": [{"endpoint": d.endpoint, "p256dh": d.p256dh, "auth": d.auth}
                        for d in devices]}
    out = subprocess.run([sys.executable, "-c", SEED, json.dumps(spec)], cwd=tree, check=True,
                         capture_output=True, text=True, timeout=300).stdout
    return int(out.strip().splitlines()[-1])


def start_worker(tree: Path, url: str, log: Path, lease: int) -> subprocess.Popen:
    env = {**os.environ, "FLASK_APP": "app:create_app", "DATABASE_URL": url,
           "TEND_REMINDER_TICK": "0.5", "TEND_REMINDER_LEASE": str(lease),
           "TEND_REMINDER_POOL": str(POOL), "TEND_PUSH_TIMEOUT": "5"}
    env.pop("TEND_SCHEDULER", None)
    return subprocess.Popen([str(FLASK), "reminders", "run"], cwd=tree, env=env,
                            stdout=log.open("a"), stderr=subprocess.STDOUT)


def stop_workers(workers) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()


def scalar(engine, sql: str, **params):
    """One value, retried while the database restarts."""
    for _ in range(100):
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(sql), params).scalar()
        except sa.exc.OperationalError:
            time.sleep(0.2)
    raise RuntimeError("the database did not come back")


def sent(engine) -> int:
    return scalar(engine, "SELECT count(*) FROM reminders WHERE status = 'sent'")


def wait_for(condition, what: str, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"waited {seconds} s for {what}; log: {log.read_text()[-1500:]}")
        time.sleep(0.05)


def keys(receiver) -> Counter:
    return Counter((d.subscription_id, d.payload["tag"]) for d in receiver.deliveries)


def per_second(receiver) -> float:
    times = sorted(d.received_at for d in receiver.deliveries)
    return (len(times) - 1) / (times[-1] - times[0])


# --- 1. throughput --------------------------------------------------------------------------

def throughput(tree: Path, url: str, reminders: int, log: Path) -> float:
    """Reminders/s through 2 workers of ``tree``, no faults."""
    with PushReceiver() as receiver:
        devices = [receiver.subscribe() for _ in range(DEVICES)]
        total = seed(tree, url, devices, reminders // DEVICES)
        engine = sa.create_engine(url)
        workers = [start_worker(tree, url, log, lease=60) for _ in range(2)]
        try:
            wait_for(lambda: sent(engine) == total, f"{total} reminders sent ({tree})", log)
        finally:
            stop_workers(workers)
            engine.dispose()
        assert len(keys(receiver)) == total
        return per_second(receiver)


def old_tree(folder: str) -> Path | None:
    """The code before issue 12, unpacked into this run's folder (the repository is left as
    it is), with this checkout's instance folder (the same VAPID key)."""
    tree = Path(folder) / "tend-old"
    tree.mkdir()
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLD], check=True,
                                 capture_output=True, timeout=60).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if (ROOT / "instance").is_dir():
        shutil.copytree(ROOT / "instance", tree / "instance")
    return tree


def bare_posts(posts: int) -> float:
    """The same posts with no database or worker: one process, the same sender, 2 x the pool."""
    from concurrent.futures import ThreadPoolExecutor

    from app import create_app
    from tend.push.keys import identity
    from tend.push.sender import Sender
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                      "SECRET_KEY": "bench-only-" * 4})
    with app.test_request_context("/"):
        sender = Sender(identity())
    payload = {"v": 1, "kind": "dose", "tag": "dose-1", "title": "Tend",
               "body": "Time for your 8:00 medication.", "url": "/today?dose=1",
               "tokens": {"taken": "x" * 90, "snooze": "y" * 90}, "act": "/reminders/act"}
    with PushReceiver() as receiver:
        devices = [receiver.subscribe() for _ in range(DEVICES)]
        with ThreadPoolExecutor(2 * POOL) as pool:
            list(pool.map(lambda n: sender.send(devices[n % DEVICES].info, payload,
                                                topic=f"dose-{n}", ttl=3600), range(posts)))
        return per_second(receiver)


# --- 2. the crash run -----------------------------------------------------------------------

IN_FLIGHT = """
SELECT a.id, s.endpoint, r.planned_dose_id FROM delivery_attempts a
JOIN reminders r ON r.id = a.reminder_id JOIN push_subscriptions s ON s.id = r.subscription_id
WHERE a.outcome = 'sending' AND r.claimed_by LIKE :worker
"""


def in_flight_of(engine, pid: int) -> dict[int, tuple[str, str]]:
    """Attempt id -> (receiver subscription, tag) of the sends a killed worker left
    ``sending``."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(IN_FLIGHT), {"worker": f"%:{pid}:%"}).all()
    return {attempt: (endpoint.rsplit("/", 1)[-1], f"dose-{dose_id}")
            for attempt, endpoint, dose_id in rows}


def outcomes_of(engine, sends: dict) -> Counter:
    """What the attempts a kill left ``sending`` say now."""
    if not sends:
        return Counter()
    with engine.connect() as conn:
        return Counter(dict(conn.execute(sa.text(
            "SELECT outcome, count(*) FROM delivery_attempts WHERE id = ANY(:ids) "
            "GROUP BY outcome"), {"ids": list(sends)}).all()))


def crash_run(cluster: Cluster, reminders: int, kills: int, log: Path) -> dict:
    url = cluster.database("tend_crash")
    with PushReceiver() as receiver:
        devices = [receiver.subscribe() for _ in range(DEVICES)]
        per_device = reminders // DEVICES
        for device in devices:  # every post held a moment; repeats too
            receiver.answer(device, *[201] * (2 * per_device), hang=HANG)
        total = seed(ROOT, url, devices, per_device)
        engine = sa.create_engine(url, pool_pre_ping=True)
        workers = [start_worker(ROOT, url, log, lease=3) for _ in range(2)]
        # Faults spread over the run: the kills, with the restart in the middle of them.
        faults = ["kill"] * kills
        faults.insert(kills // 2, "restart")
        at = [int(total * (i + 1) / (len(faults) + 2)) for i in range(len(faults))]
        in_flight, restart = [], {}
        try:
            for fault, deliveries in zip(faults, at):
                wait_for(lambda: len(receiver.deliveries) >= deliveries,
                         f"{deliveries} deliveries", log)
                if fault == "kill":
                    victim = workers.pop(0)
                    victim.send_signal(signal.SIGKILL)
                    victim.wait(30)
                    in_flight.append(in_flight_of(engine, victim.pid))
                    workers.append(start_worker(ROOT, url, log, lease=3))
                else:
                    engine.dispose()
                    before = len(receiver.deliveries)
                    cluster.restart(away=1.0)
                    restart = {"delivered_while_away": len(receiver.deliveries) - before}
            wait_for(lambda: sent(engine) == total, "every reminder sent", log, seconds=300)
            time.sleep(3.5)  # past the lease: a claim left behind would be sent again now
        finally:
            stop_workers(workers)
        outcomes = [outcomes_of(engine, sends) for sends in in_flight]
        unknown = scalar(engine, "SELECT count(*) FROM delivery_attempts "
                                 "WHERE outcome = 'unknown'")
        engine.dispose()
        delivered = keys(receiver)
    repeats = {key: n - 1 for key, n in delivered.items() if n > 1}
    explained = {key for sends in in_flight for key in sends.values()}
    per_kill = [{"in_flight": len(sends), "now_unknown": outcome.get("unknown", 0),
                 "duplicates": sum(repeats.get(key, 0) for key in set(sends.values()))}
                for sends, outcome in zip(in_flight, outcomes)]
    return {"reminders": total, "lost": total - len(delivered), "kills": per_kill,
            "unknown_attempts": unknown,
            "restart_duplicates": sum(n for key, n in repeats.items() if key not in explained),
            **restart}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=4, choices=range(1, 11))
    parser.add_argument("--rounds", type=int, default=2, help="throughput samples of each")
    args = parser.parse_args()
    if os.getuid() != 0 or not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        print("Reminder crash bench: skipped (needs root and PostgreSQL, see tests/pg_cluster.sh)")
        return
    folder = tempfile.mkdtemp(prefix="tend-crash-")
    log = Path(folder) / "workers.log"
    cluster = Cluster()
    old = old_tree(folder)
    against = f"code before issue 12 ({OLD})" if old else "a bare loop of the same posts"
    samples = {"now": [], "before": []}
    try:
        # Alternated, best of each: the machine is shared, so one sample can be unlucky.
        for n in range(args.rounds):
            samples["now"].append(throughput(ROOT, cluster.database(f"tend_new_{n}"),
                                             args.reminders, log))
            samples["before"].append(
                throughput(old, cluster.database(f"tend_old_{n}"), args.reminders, log)
                if old else bare_posts(args.reminders))
        crash = crash_run(cluster, args.reminders, args.kills, log)
    finally:
        cluster.stop()
    now, before = max(samples["now"]), max(samples["before"])
    result = {"throughput_per_s": now, "against": against, "against_per_s": before,
              "ratio": now / before, "samples": samples, **crash}
    print(f"Reminder crash bench (PostgreSQL, 2 workers, pool {POOL}, "
          f"{crash['reminders']} reminders):")
    print(f"  throughput, no faults (best of {args.rounds}): {now:.0f}/s; {against}: "
          f"{before:.0f}/s; ratio {now / before:.2f} "
          f"(samples {', '.join(f'{x:.0f}' for x in samples['now'])} against "
          f"{', '.join(f'{x:.0f}' for x in samples['before'])})")
    print(f"  lost: {crash['lost']}")
    for n, kill in enumerate(crash["kills"], 1):
        print(f"  kill {n}: {kill['in_flight']} sends in flight (attempts now 'unknown': "
              f"{kill['now_unknown']}), {kill['duplicates']} duplicates")
    print(f"  attempts marked unknown (perhaps delivered): {crash['unknown_attempts']}")
    print(f"  database restart: {crash.get('delivered_while_away', 0)} sends finished while it "
          f"was away, {crash['restart_duplicates']} duplicates")
    out = ROOT / "bench" / "results" / "reminder_crash.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
