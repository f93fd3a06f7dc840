"""How long the server takes to make the client's busiest pages, whatever the record's age.

Two clients, one with a year of data and one with five (bench/sample_record.py: 4 medications;
a year is about 2,500 logged doses, 350 check-ins and 60 side effects). The Flask test client
asks for Today, History and Insights (30 and 90 days) many times each, and for two trivial
pages in the same run (a static file, and the sign-in page signed out), every page in turn in
each round (so a busy moment of the machine weighs on all of them alike), and prints each page's
median server time, its ratio to the sign-in page, the 5-year/1-year ratio and the SQL
statements it sends. Goals (issue 20): each page at most 3x the sign-in page, 5 years at most
1.2x one year, the same number of statements for both. A therapist's caseload is measured the
same way, with 50 clients (BENCH_CASELOAD_CLIENTS) who each have a year of data and share
everything, then again with each client's sharing starting on its own day: its statements stay
the same however many clients there are. Pages that don't exist yet are reported as
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
# Wall-clock time by default; BENCH_CLOCK=cpu counts the process's CPU time instead, steadier
# on a busy machine (the database is SQLite in the same process, so its work is counted too).
CLOCK = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter
WARM_UP = 3
PASSWORD = "a long bench password"
PASSWORD_HASH = accounts.hash_password(PASSWORD)
THERAPIST_EMAIL = "therapist@example.com"
CASELOAD_CLIENTS = int(os.environ.get("BENCH_CASELOAD_CLIENTS", 50))
RECORDS = [("1 year", "one-year@example.com", 365), ("5 years", "five-years@example.com", 5 * 365)]
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


def make_app(tmp: str):
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "TEND_BASE_URL": "http://localhost"})
    app.instance_path = tmp
    logging.getLogger("tend.requests").setLevel(logging.WARNING)  # one line per request: noise
    return app


def fill(app, now: datetime, email: str, days: int):
    with app.app_context():
        client = accounts.create_user(db.session, email=email, display_name="Bench",
                                      role=Role.CLIENT, timezone="Europe/London",
                                      password_hash=PASSWORD_HASH, now=now)
        started = time.perf_counter()
        filled = fill_record(db.session, client, now, days=days)
        print(f"Filled {days} days in {time.perf_counter() - started:.1f} s: "
              f"{filled.planned} planned doses, {filled.events} dose events, "
              f"{filled.checkins} check-ins, {filled.side_effects} side effects.")


def fill_caseload(app, now: datetime) -> None:
    """A therapist with ``CASELOAD_CLIENTS`` clients, each with a year of data, sharing
    every category from a year ago."""
    started = time.perf_counter()
    with app.app_context():
        therapist = accounts.create_user(db.session, email=THERAPIST_EMAIL,
                                         display_name="Therapist", role=Role.THERAPIST,
                                         timezone="Europe/London", password_hash=PASSWORD_HASH,
                                         now=now)
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


def sign_in(app, email: str):
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


def statements_of(app, browser, url: str) -> int:
    """Asks for ``url`` a few times (its first visit plans doses, fills caches), then once
    more, counting the SQL statements that last one sends."""
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
    return len(sent)


def interleaved(app, targets: dict) -> dict:
    """Each target's (median time of a request in ms, SQL statements), for targets
    {key: (browser, url)}: the rounds take every target in turn, so a slower or busier moment
    of the machine falls on all of them alike and the ratios between them hold."""
    queries = {key: statements_of(app, browser, url) for key, (browser, url) in targets.items()}
    times = {key: [] for key in targets}
    for _ in range(ROUNDS):
        for key, (browser, url) in targets.items():
            started = CLOCK()
            response = browser.get(url)
            times[key].append((CLOCK() - started) * 1000)
            assert response.status_code == 200
    return {key: (statistics.median(times[key]), queries[key]) for key in targets}


def main() -> None:
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        with app.app_context():
            upgrade()
        for _, email, days in RECORDS:
            fill(app, now, email, days)
        fill_caseload(app, now)
        anonymous = app.test_client()
        targets = {label: (anonymous if not signed_in else sign_in(app, RECORDS[0][1]),
                           page_url(app, endpoint, args))
                   for label, endpoint, args, signed_in in TRIVIAL}
        browsers = {email: sign_in(app, email) for _, email, _ in RECORDS}
        for label, endpoint, args, _ in PAGES:
            url = page_url(app, endpoint, args)
            if url:
                targets.update({(label, record): (browsers[email], url)
                                for record, email, _ in RECORDS})
        therapist = sign_in(app, THERAPIST_EMAIL)
        caseload_url = page_url(app, "care.home", {})
        targets["all from one day"] = (therapist, caseload_url)
        measured = interleaved(app, targets)
        spread_from_days(app, now)  # the caseload again, with the sign-in page beside it
        spread = interleaved(app, {"signin": targets["sign-in page, signed out"],
                                   "caseload": (therapist, caseload_url)})
        with app.app_context():
            dialect = db.engine.dialect.name
            db.engine.dispose()
    signin = measured["sign-in page, signed out"][0]
    clock = "CPU" if CLOCK is time.process_time else "server"
    print(f"\nMedian {clock} time over {ROUNDS} requests each, taken in turn ({dialect}, "
          f"Flask test client, one process):")
    for label, *_ in TRIVIAL:
        median, queries = measured[label]
        print(f"{label:<26}{median:>8.1f} ms{median / signin:>6.1f}x sign-in{queries:>4} queries")
    print(f"\n{'Page':<20}{'record':>8}{'ms':>8}{'x sign-in':>11}{'queries':>9}"
          f"{'5y / 1y':>9}")
    for label, *_ in PAGES:
        if (label, RECORDS[0][0]) not in measured:
            print(f"{label:<20}{'not available':>16}")
            continue
        one_year = measured[label, RECORDS[0][0]][0]
        for record, *_ in RECORDS:
            median, queries = measured[label, record]
            growth = f"{median / one_year:>9.2f}" if record != RECORDS[0][0] else ""
            print(f"{label:<20}{record:>8}{median:>8.1f}{median / signin:>11.1f}"
                  f"{queries:>9}{growth}")

    print(f"\nCaseload of a therapist with {CASELOAD_CLIENTS} clients, a year of data each:")
    for label, (median, queries), baseline in (
            ("all from one day", measured["all from one day"], signin),
            ("each from its own day", spread["caseload"], spread["signin"][0])):
        print(f"  sharing {label:<22}{median:>8.1f} ms{median / baseline:>7.1f}x sign-in"
              f"{queries:>4} queries")


if __name__ == "__main__":
    main()
