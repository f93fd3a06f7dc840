"""`make load`: Tend's web tier under load, as deployed (gunicorn, 3 workers), on PostgreSQL
and on SQLite, driven by wrk over 127.0.0.1.

Signed-in clients log doses (POST /api/v1/doses, a new idempotency key each) and open Today;
each scenario runs for a fixed time right after a trivial route (a small static file) in the
same server, and is reported as requests/s, p50/p99 latency and the ratio to the trivial
route. Afterwards the database must hold exactly one dose per 201 answer, and the server log
must hold no "database is locked".

    .venv/bin/python bench/load.py [--seconds 10] [--backends postgresql,sqlite]
                                   [--scenarios healthz,doses,today,mix]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import ops_processes as procs  # noqa: E402

SCENARIOS = ["trivial", "healthz", "doses", "today", "mix"]
LABELS = {"trivial": "static file (trivial)", "healthz": "GET /healthz",
          "doses": "POST /api/v1/doses", "today": "GET /today",
          "mix": "doses + Today, 1:1"}
TRIVIAL_PATH = "/static/img/icon.svg"
TARGET_DOSES_PER_SECOND = 300


def prepare_clients(base_url: str, emails: list[str], folder: Path) -> Path:
    """Sign every client in, give each an as-needed medication (doses go there, any number a
    day) and one taken at set times (so Today has rows), and write the file wrk reads."""
    lines = []
    for email in emails:
        client = procs.SignedInClient(base_url, email)
        client.add_medication(["08:00", "20:00"], name="Taken at set times")
        as_needed = client.add_medication(name="Taken as needed")
        lines.append(f"{client.cookie_header}\t{client.csrf}\t{as_needed}")
    path = folder / "clients.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(server: procs.Server, scenario: str, clients_file: Path, seconds: int,
            connections: int) -> dict:
    env = dict(os.environ, TEND_LOAD_CLIENTS=str(clients_file), TEND_LOAD_SCENARIO=scenario,
               TEND_LOAD_TRIVIAL=TRIVIAL_PATH, TEND_LOAD_RUN=str(int(time.time()) % 2**31))
    cpu_before, busy_before = server.cpu_seconds(), procs.machine_busy_seconds()
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "load.lua"), server], env=env, check=True,
        capture_output=True, text=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    busy = procs.machine_busy_seconds() - busy_before
    line = next(line for line in output.splitlines() if line.startswith("TEND_RESULT "))
    result = json.loads(line.removeprefix("TEND_RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu_ms_per_request"] = cpu * 1000 / max(result["requests"], 1)
    result["machine_cpu_ms_per_request"] = busy * 1000 / max(result["requests"], 1)
    return result


def count_doses(url: str) -> int:
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM dose_events")).scalar_one()
    engine.dispose()
    return count


def measure_backend(backend: str, args, folder: Path) -> dict:
    database = procs.postgres_cluster() if backend == "postgresql" else procs.sqlite_database()
    with database as url:
        procs.migrate(url)
        emails = procs.create_clients(url, args.clients)
        log_path = folder / f"gunicorn-{backend}.log"
        with procs.gunicorn(url, log_path, workers=args.workers) as server:
            clients_file = prepare_clients(server, emails, folder)
            doses_before = count_doses(url)
            results = {scenario: run_wrk(server, scenario, clients_file, args.seconds,
                                         args.connections)
                       for scenario in ["trivial", *args.scenarios.split(",")]}
        created = sum(result["created"] for result in results.values())
        log = log_path.read_text(errors="replace")
        return {"results": results, "connections": args.connections, "doses_created": created,
                "doses_in_database": count_doses(url) - doses_before,
                "database_is_locked": log.count("database is locked"),
                "tracebacks": log.count("Traceback")}


def report(backend: str, measured: dict, args) -> list[str]:
    results = measured["results"]
    trivial = results["trivial"]["rps"]
    lines = [f"\n{backend}: gunicorn {args.workers} sync workers, wrk -t2 -c{args.connections}, "
             f"{args.seconds} s per scenario",
             f"  {'scenario':<24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x trivial':>11}"
             f"{'errors':>8}{'app CPU ms/req':>16}{'all CPU ms/req':>16}"]
    for scenario, result in results.items():
        lines.append(f"  {LABELS[scenario]:<24}{result['rps']:>9.0f}"
                     f"{result['p50_us'] / 1000:>9.1f}{result['p99_us'] / 1000:>9.1f}"
                     f"{result['rps'] / trivial:>11.2f}"
                     f"{result['bad'] + result['socket_errors']:>8}"
                     f"{result['cpu_ms_per_request']:>16.2f}"
                     f"{result['machine_cpu_ms_per_request']:>16.2f}")
    lines.append(f"  doses: {measured['doses_created']} answered 201, "
                 f"{measured['doses_in_database']} in the database; "
                 f"'database is locked' in the log: {measured['database_is_locked']}; "
                 f"tracebacks: {measured['tracebacks']}")
    lines.append(f"  (app CPU: user + system time of the gunicorn workers per request; all CPU: "
                 f"the whole machine's busy time per request, database and wrk included; the "
                 f"load average was {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    if backend == "postgresql" and "doses" in results:
        verdict = "meets" if results["doses"]["rps"] >= TARGET_DOSES_PER_SECOND else "MISSES"
        lines.append(f"  dose logging {results['doses']['rps']:.0f} req/s {verdict} the target "
                     f"of {TARGET_DOSES_PER_SECOND} req/s")
    return lines


def problems_in(measured: dict) -> list[str]:
    problems = []
    for scenario, result in measured["results"].items():
        if result["bad"] or result["socket_errors"]:
            problems.append(f"{scenario}: {result['bad']} error answers (last "
                            f"{result['last_bad']}), {result['socket_errors']} socket errors")
    # wrk stops counting at the deadline while up to one request per connection is still
    # in flight: those doses are stored without their answer being counted.
    unanswered = measured["doses_in_database"] - measured["doses_created"]
    if not 0 <= unanswered <= 2 * measured["connections"]:
        problems.append(f"{measured['doses_created']} doses answered 201 but "
                        f"{measured['doses_in_database']} stored")
    if measured["database_is_locked"] or measured["tracebacks"]:
        problems.append("the server log has errors")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS[1:]),
                        help="measured after the trivial route, which is always measured")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=12)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="tend-load-"))
    problems, figures = [], {}
    for backend in args.backends.split(","):
        try:
            measured = measure_backend(backend, args, folder)
        except procs.Unavailable as reason:
            print(f"\n{backend}: skipped ({reason})")
            continue
        figures[backend] = measured
        print("\n".join(report(backend, measured, args)), flush=True)
        problems += [f"{backend} {problem}" for problem in problems_in(measured)]
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "load.json").write_text(json.dumps(figures, indent=2))
    print(f"\nServer logs in {folder}; figures in bench/results/load.json")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
