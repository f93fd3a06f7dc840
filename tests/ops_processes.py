"""Tend in its production shape, as throw-away processes for the scale test and benchmarks:
a PostgreSQL cluster, gunicorn with several workers, reminder workers, signed-in clients.

Everything listens on 127.0.0.1 on ports the OS picks, and is stopped on the way out."""
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PASSWORD = "load test password 1"


class Unavailable(Exception):
    """A tool this needs is missing here (the message says which)."""


def postgres_unavailable_reason() -> str | None:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return "PostgreSQL binaries are not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() != 0:
        return "tests/pg_cluster.sh needs root to run PostgreSQL as its own user"
    return None


@contextmanager
def postgres_cluster():
    """A fresh PostgreSQL cluster; yields its SQLAlchemy URL."""
    reason = postgres_unavailable_reason()
    if reason:
        raise Unavailable(reason)
    folder = tempfile.mkdtemp(prefix="tend-pg-")
    script = str(ROOT / "tests" / "pg_cluster.sh")
    try:
        url = subprocess.run(["bash", script, "start", folder], check=True, text=True,
                             capture_output=True).stdout.strip()
        yield url
    finally:
        subprocess.run(["bash", script, "stop", folder], check=False, capture_output=True)


@contextmanager
def sqlite_database():
    folder = tempfile.mkdtemp(prefix="tend-sqlite-")
    try:
        yield f"sqlite:///{folder}/tend.sqlite3"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def migrate(url: str) -> None:
    """Bring the database to the newest migration (in this process, before any server)."""
    from flask_migrate import upgrade

    from app import create_app
    from models import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "migrate-only-" * 4})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def create_clients(url: str, count: int, prefix: str = "client",
                   timezone: str = "Europe/London") -> list[str]:
    """``count`` client accounts that share ``PASSWORD``; returns their e-mail addresses."""
    from werkzeug.security import generate_password_hash

    from app import create_app
    from models import Role, User, db
    from models.base import utcnow
    password_hash = generate_password_hash(PASSWORD)  # once: scrypt is slow on purpose
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "setup-only-" * 4})
    emails = [f"{prefix}{n}@load.example.org" for n in range(count)]
    with app.app_context():
        db.session.add_all(User(email=email, display_name=f"Client {n}", role=Role.CLIENT,
                                timezone=timezone, password_hash=password_hash,
                                created_at=utcnow()) for n, email in enumerate(emails))
        db.session.commit()
        db.engine.dispose()
    return emails


def midday_zone(now: datetime) -> str:
    """A zone where it is around noon at ``now``, so "a few minutes ago" is still today
    there (scale tests schedule doses in the last minutes, due at once)."""
    hours = max(-12, min(14, 12 - now.hour))
    return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str, base_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TEND_", "FLASK_", "GUNICORN_"))}
    env.update(DATABASE_URL=url, SECRET_KEY=secrets.token_hex(32), TEND_BASE_URL=base_url,
               FLASK_APP="app:create_app", TEND_VAPID_SUBJECT="mailto:ops@tend.example.org",
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def wait_until_serving(base_url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            requests.get(base_url + "/healthz", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{base_url} did not answer within {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pids) -> float:
    """CPU time (user + system) used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a process that just exited
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Server(str):
    """A running server's base URL that also knows its process."""

    process: subprocess.Popen

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's worker processes, including workers that
        were recycled (``max_requests``) and reaped by the master."""
        pid = self.process.pid
        live = cpu_seconds(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
        return live + reaped_children_cpu_seconds(pid)


def reaped_children_cpu_seconds(pid: int) -> float:
    """CPU time of a process's children that ended and were waited for (cutime + cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy so far, over all cores (Linux /proc/stat):
    the server, the database and the load generator together."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(url: str, log_path: Path, workers: int = 3, secret_key: str | None = None,
             **extra_env: str):
    """gunicorn as deployed (deploy/gunicorn.conf.py); yields its base URL (a ``Server``).
    Its stderr (the JSON request log and any traceback) goes to ``log_path``."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(url, base_url, WEB_CONCURRENCY=str(workers),
                     TEND_BIND=f"127.0.0.1:{port}", **extra_env)
    if secret_key:
        env["SECRET_KEY"] = secret_key
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "app:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        wait_until_serving(base_url, process)
        server = Server(base_url)
        server.process = process
        yield server
    finally:
        stop(process)


@contextmanager
def reminder_workers(url: str, count: int, log_path: Path, **extra_env: str):
    """``count`` processes of ``flask reminders run``; yields the list of processes."""
    env = server_env(url, "https://tend.example.org", **extra_env)
    processes = []
    with open(log_path, "ab") as log:
        for _ in range(count):
            processes.append(subprocess.Popen([str(BIN / "flask"), "reminders", "run"],
                                              cwd=ROOT, env=env, stdout=log, stderr=log))
    try:
        yield processes
    finally:
        for process in processes:
            stop(process, timeout=60)


class SignedInClient:
    """One person's browser session against a running server, with its CSRF token."""

    def __init__(self, base_url: str, email: str, password: str = PASSWORD):
        self.base_url = base_url
        self.http = requests.Session()
        token = self._csrf("/login")
        response = self.http.post(base_url + "/login", allow_redirects=False, timeout=30,
                                  data={"email": email, "password": password,
                                        "csrf_token": token})
        if response.status_code != 302:
            raise RuntimeError(f"sign-in failed for {email}: {response.status_code}")
        self.csrf = self._csrf("/today")

    def _csrf(self, path: str) -> str:
        response = self.http.get(self.base_url + path, timeout=30)
        response.raise_for_status()
        return CSRF_META.search(response.text).group(1)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def post_json(self, path: str, body: dict) -> requests.Response:
        return self.http.post(self.base_url + path, json=body, timeout=30,
                              headers={"X-CSRFToken": self.csrf})

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=30)

    def add_medication(self, times: list[str] | None = None, name: str = "Med") -> int:
        """A medication taken at ``times`` ("HH:MM", the client's zone), or as needed without
        them; returns its id."""
        response = self.post_json("/api/v1/medications", {
            "idempotency_key": str(uuid.uuid4()), "name": name, "form": "tablet",
            "kind": "prescribed", "started_on": date.today().isoformat(),
            "schedule": "fixed" if times else "as_needed", "times": times or [],
            "weekdays": [str(n) for n in range(7)], "amount": 1})
        if response.status_code != 201:
            raise RuntimeError(f"adding a medication: {response.status_code} "
                               f"{response.text[:300]}")
        return response.json()["id"]

    def log_dose(self, medication_id: int) -> requests.Response:
        return self.post_json("/api/v1/doses", {
            "idempotency_key": str(uuid.uuid4()), "medication_id": medication_id,
            "planned_dose_id": None, "status": "taken"})
