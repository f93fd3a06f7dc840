"""How long the server takes to make the client's busiest pages with a year of data.

One client gets 4 medications, about 2,500 logged doses, about 350 check-ins and 60 side
effects (bench/sample_record.py). The Flask test client then asks for Today, History and
Insights (90 days) many times, and for two trivial pages in the same run (a static file, and
the sign-in page signed out), and prints each page's median server time, its ratio to each
trivial page, and the SQL statements it sends. A therapist's caseload is measured the same
way, with 50 clients (BENCH_CASELOAD_CLIENTS) who each have a year of data and share
everything: its statements stay the same however many clients there are. Pages that don't exist yet are reported as
"not available".

Run with `make bench` (SQLite in a temporary folder; set BENCH_DATABASE_URL for another
database, e.g. a throw-away PostgreSQL from tests/pg_cluster.sh)."""
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import url_for  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.sample_record import fill_record  # noqa: E402
from models import CareLink, Grant, LinkStatus, Role, db  # noqa: E402
from tend.access import GRANTABLE  # noqa: E402
from tend.services import accounts  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 40))
WARM_UP = 3
EMAIL, PASSWORD = "bench@example.com", "a long bench password"
THERAPIST_EMAIL = "therapist@example.com"
PASSWORD_HASH = accounts.hash_password(PASSWORD)
CASELOAD_CLIENTS = int(os.environ.get("BENCH_CASELOAD_CLIENTS", 50))
TRIVIAL = [  # label, endpoint, query arguments, signed in
    ("a static file", "static", {"filename": "img/icon.svg"}, True),
    ("sign-in page, signed out", "auth.login", {}, False),
]
PAGES = [
    ("Today", "client.today", {}, True),
    ("History", "client.history", {}, True),
    ("Insights, 90 days", "insights.overview", {"days": 90}, True),
    ("Insights, 30 days", "insights.overview", {"days": 30}, True),
]
CASELOAD = (f"Caseload, {CASELOAD_CLIENTS} clients", "care.home", {}, "therapist")
CASELOAD_SPREAD = ("  each from its own day", "care.home", {}, "therapist")


def make_app(tmp: str):
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "TEND_BASE_URL": "http://localhost"})
    app.instance_path = tmp
    logging.getLogger("tend.requests").setLevel(logging.WARNING)  # one line per request: noise
    return app


def fill(app, now: datetime):
    with app.app_context():
        upgrade()
        client = accounts.create_user(db.session, email=EMAIL, display_name="Bench",
                                      role=Role.CLIENT, timezone="Europe/London",
                                      password_hash=PASSWORD_HASH, now=now)
        started = time.perf_counter()
        filled = fill_record(db.session, client, now, days=365)
        print(f"Filled one client in {time.perf_counter() - started:.1f} s: "
              f"{filled.planned} planned doses, {filled.events} dose events, "
              f"{filled.checkins} check-ins, {filled.side_effects} side effects.")
        fill_caseload(now)


def fill_caseload(now: datetime) -> None:
    """A therapist with ``CASELOAD_CLIENTS`` clients, each with a year of data, sharing
    every category from a year ago."""
    started = time.perf_counter()
    therapist = accounts.create_user(db.session, email=THERAPIST_EMAIL, display_name="Therapist",
                                     role=Role.THERAPIST, timezone="Europe/London",
                                     password_hash=PASSWORD_HASH, now=now)
    for number in range(CASELOAD_CLIENTS):
        client = accounts.create_user(db.session, email=f"client{number}@example.com",
                                      display_name=f"Client {number}", role=Role.CLIENT,
                                      timezone="Europe/London", password_hash=PASSWORD_HASH,
                                      now=now)
        fill_record(db.session, client, now, days=365, seed=number)
        link = CareLink(client_id=client.id, supporter_id=therapist.id, role=Role.THERAPIST,
                        status=LinkStatus.ACTIVE, invitee_name="Therapist", expires_at=now,
                        created_at=now, accepted_at=now)
        link.grants = [Grant(category=category, created_at=now)
                       for category in GRANTABLE[Role.THERAPIST]]
        db.session.add(link)
        db.session.commit()
    print(f"Filled {CASELOAD_CLIENTS} clients of one therapist in "
          f"{time.perf_counter() - started:.1f} s.")


def spread_from_days(app, now: datetime) -> None:
    """Each client's grants start on a different day: no two clients share one window."""
    with app.app_context():
        for number, grant in enumerate(db.session.scalars(select(Grant).order_by(Grant.id))):
            grant.from_date = now.date() - timedelta(days=300 - number // 11)
        db.session.commit()


def sign_in(app, email: str = EMAIL):
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = browser.post("/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302, "could not sign in"
    return browser


def page_url(app, endpoint: str, args: dict) -> str | None:
    if endpoint not in app.view_functions:
        return None
    with app.test_request_context():
        return url_for(endpoint, **args)


def measure(app, browser, url: str) -> tuple[float, int]:
    """The median time of a request in ms, and the SQL statements it sends."""
    for _ in range(WARM_UP):
        response = browser.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
    sent = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: sent.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    browser.get(url)
    event.remove(engine, "before_cursor_execute", listener)
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = browser.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), len(sent)


def main() -> None:
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        fill(app, now)
        browsers = {True: sign_in(app), False: app.test_client(),
                    "therapist": sign_in(app, THERAPIST_EMAIL)}
        results = []
        for label, endpoint, args, signed_in in TRIVIAL + PAGES + [CASELOAD, CASELOAD_SPREAD]:
            if label == CASELOAD_SPREAD[0]:
                spread_from_days(app, now)
            url = page_url(app, endpoint, args)
            result = measure(app, browsers[signed_in], url) if url else None
            results.append((label, url, result))
        with app.app_context():
            dialect = db.engine.dialect.name
            db.engine.dispose()
    static, signin = results[0][2][0], results[1][2][0]
    print(f"\nMedian server time over {ROUNDS} requests ({dialect}, Flask test client, "
          f"one process):")
    print(f"{'Page':<26}{'median ms':>10}{'x static':>10}{'x sign-in':>11}{'queries':>9}")
    for label, url, result in results:
        if result is None:
            print(f"{label:<26}{'not available':>14}")
            continue
        median, queries = result
        print(f"{label:<26}{median:>10.1f}{median / static:>10.1f}{median / signin:>11.1f}"
              f"{queries:>9}")

if __name__ == "__main__":
    main()
