"""`make audit`: Lighthouse 12 at mobile settings on the sign-in page and the client's Today page,
axe-core on every main page of each role, and Chromium's own installability check.

Serves the app with the demo accounts on a throw-away database on a free port, prints the scores
and exits non-zero when a target is missed: no axe violation of serious or critical impact,
Lighthouse accessibility and best practices >= 95 and performance >= 90."""
import http.cookiejar
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from models import Role, db  # noqa: E402
from models.base import utcnow  # noqa: E402
from tend import demo, navigation  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
REPORTS = Path(tempfile.mkdtemp(prefix="tend-audit-reports-"))
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}
PUBLIC_PAGES = ["/", "/login", "/signup", "/offline"]
LIGHTHOUSE_RUNS = 3


def serve_demo():
    """The app with the demo cast on a new SQLite file, on a free port; returns (base, people)."""
    folder = tempfile.mkdtemp(prefix="tend-audit-")
    app = create_app({"SECRET_KEY": "audit", "TEND_BASE_URL": "http://127.0.0.1",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/tend.sqlite3"})
    with app.app_context():
        upgrade()
        passwords = demo.create_demo_accounts(db.session, utcnow())
        db.session.commit()
    for name in ("tend", "werkzeug"):  # the scores are the output, not the request log
        logging.getLogger(name).setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    people = {person.role: (person.email, passwords[person.email]) for person in demo.DEMO_PEOPLE}
    return app, f"http://127.0.0.1:{server.server_port}", people


def main_pages(app, role: Role) -> list[str]:
    """Every page in the role's navigation (and the client's More list) that exists."""
    endpoints = [item.endpoint for item in navigation.NAVIGATION[role]]
    if role is Role.CLIENT:
        endpoints += [link.endpoint for link in getattr(navigation, "MORE_LINKS", [])]
    with app.test_request_context():
        from flask import url_for
        return list(dict.fromkeys(url_for(endpoint) for endpoint in endpoints
                                  if endpoint in app.view_functions))


def session_cookie(base: str, email: str, password: str) -> str:
    """Sign in over HTTP and return the Cookie header a browser would send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login").read().decode()
    token = html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    opener.open(f"{base}/login", data=form.encode())
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def lighthouse_once(url: str, output: Path, cookie: str | None) -> dict:
    command = [str(LIGHTHOUSE), url, f"--chrome-flags={CHROME_FLAGS}", "--form-factor=mobile",
               "--only-categories=performance,accessibility,best-practices,seo",
               "--output=json", f"--output-path={output}", "--quiet"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    for attempt in (1, 2):  # Lighthouse now and then fails to record a trace (NO_NAVSTART)
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM})
        if done.returncode == 0:
            break
    done.check_returncode()
    report = json.loads(output.read_text())
    if report.get("finalDisplayedUrl", url) != url:
        raise SystemExit(f"Lighthouse ended on {report['finalDisplayedUrl']}, not {url}")
    return report


def lighthouse(url: str, name: str, cookie: str | None = None) -> dict[str, int]:
    """The median of LIGHTHOUSE_RUNS runs: performance moves with the machine's load."""
    runs = [lighthouse_once(url, REPORTS / f"lighthouse-{name}-{n}.json", cookie)
            for n in range(LIGHTHOUSE_RUNS)]
    for audit in runs[-1]["audits"].values():
        if audit.get("scoreDisplayMode") == "binary" and audit.get("score") == 0:
            print(f"    lighthouse {name}: {audit['id']}: {audit['title']}")
    return {key: round(100 * statistics.median(run["categories"][key]["score"] for run in runs))
            for key in runs[0]["categories"]}


def axe(page, url: str) -> list[dict]:
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [node["target"] for node in v["nodes"]][:5]} for v in result["violations"]]


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def installability(playwright, base: str) -> list[str]:
    """Chromium's own installability errors for the sign-in page (none means installable).
    Needs a profile on disk: Chromium never offers to install from an incognito window."""
    context = playwright.chromium.launch_persistent_context(
        tempfile.mkdtemp(prefix="tend-audit-profile-"), executable_path=CHROMIUM,
        args=CHROME_FLAGS.split())
    page = context.new_page()
    page.goto(f"{base}/login")
    page.evaluate("""async () => { const r = await navigator.serviceWorker.ready;
      if (r.active.state !== 'activated') await new Promise(done =>
        r.active.addEventListener('statechange', done)); }""")
    page.reload()
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    context.close()
    return [error["errorId"] for error in errors]


def run_axe(browser, app, base, people) -> int:
    serious = 0
    groups = [(None, PUBLIC_PAGES)] + [(role, main_pages(app, role)) for role in Role]
    for role, paths in groups:
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      device_scale_factor=2, is_mobile=True, has_touch=True,
                                      bypass_csp=True)  # to inject axe
        page = context.new_page()
        if role:
            sign_in(page, base, *people[role])
        for path in paths:
            violations = axe(page, base + path)
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            serious += len(bad)
            who = role.value if role else "signed out"
            print(f"  axe {who:<10} {path:<28} {len(violations)} violations, "
                  f"{len(bad)} serious or critical")
            for violation in violations:
                print(f"      {violation['impact']}: {violation['id']} ({violation['help']}) "
                      f"at {violation['nodes']}")
        context.close()
    return serious


def main() -> int:
    if not LIGHTHOUSE.exists() or not AXE.exists():
        raise SystemExit("Run `npm install --prefix tests/audit` first (make audit does).")
    app, base, people = serve_demo()
    failures = []
    print(f"Auditing {base}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROME_FLAGS.split())
        serious = run_axe(browser, app, base, people)
        if serious:
            failures.append(f"axe: {serious} serious or critical violations")
        browser.close()
        errors = installability(playwright, base)
    print(f"  installable: {'yes' if not errors else 'no: ' + ', '.join(errors)}")
    if errors:
        failures.append("not installable: " + ", ".join(errors))

    client_cookie = session_cookie(base, *people[Role.CLIENT])
    for name, path, cookie in (("sign-in", "/login", None), ("today", "/today", client_cookie)):
        scores = lighthouse(base + path, name, cookie)
        print(f"  lighthouse {name:<8} " + "  ".join(f"{k} {v}" for k, v in scores.items()))
        failures += [f"lighthouse {name}: {key} {scores[key]} < {target}"
                     for key, target in TARGETS.items() if scores[key] < target]
    print(f"Lighthouse reports in {REPORTS}/")
    for failure in failures:
        print(f"FAILED {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
