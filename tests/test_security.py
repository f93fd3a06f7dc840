"""What an attacker would try: other roles' pages, missing CSRF tokens, headers and cookies."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import DoseEvent, db
from tests.conftest import api_headers, csrf_token, login

CLIENT_PAGES = ["/today"]
SUPPORTER_PAGES = ["/care/"]


@pytest.mark.parametrize("path", SUPPORTER_PAGES)
def test_a_client_cannot_open_supporter_pages(client, alice, path):
    login(client, alice)
    response = client.get(path)
    assert response.status_code == 403
    assert "This page isn" in response.get_data(as_text=True)


@pytest.mark.parametrize("person", ["bob", "carol"])
@pytest.mark.parametrize("path", CLIENT_PAGES)
def test_supporters_cannot_open_client_pages(client, request, person, path):
    login(client, request.getfixturevalue(person))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", CLIENT_PAGES + SUPPORTER_PAGES + ["/account"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_the_api_answers_401_json_to_anonymous_visitors(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_a_form_without_its_csrf_token_is_refused(client, alice):
    response = client.post("/login", data={"email": alice.email, "password": "whatever!!"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_a_logout_without_csrf_token_does_nothing(client, alice):
    login(client, alice)
    assert client.post("/logout").status_code == 400
    assert client.get("/today").status_code == 200


def test_json_requests_need_the_csrf_header_too(client, alice):
    login(client, alice)
    refused = client.patch("/api/v1/me", json={"display_name": "Mallory"})
    assert refused.status_code == 400 and refused.json["error"] == "csrf_failed"
    assert client.get("/api/v1/me").json["display_name"] == "Alice"
    allowed = client.patch("/api/v1/me", json={"display_name": "Alice B"},
                           headers=api_headers(client, "/today"))
    assert allowed.status_code == 200 and allowed.json["display_name"] == "Alice B"


def test_pages_carry_security_headers(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers, "plain http in tests: no HSTS"


def test_private_pages_are_never_cached(client, alice):
    login(client, alice)
    assert client.get("/today").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me").headers["Cache-Control"] == "no-store"


def test_the_service_worker_is_revalidated_not_stored_away_also_when_signed_in(client, alice):
    login(client, alice)
    response = client.get("/sw.js")
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/today").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, alice):
    response = login(client, alice)
    cookie = next(v for v in response.headers.getlist("Set-Cookie")
                  if v.startswith("tend_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_https_deployments_get_secure_cookies_and_hsts(database_url, tmp_path):
    from models import db
    from tests.conftest import make_person, make_test_app

    app = make_test_app(SQLALCHEMY_DATABASE_URI=database_url, TEND_BASE_URL="https://tend.example")
    with app.app_context():
        try:
            alice = make_person("alice@example.com", "Alice", __import__("models").Role.CLIENT)
            client = app.test_client()
            page = client.get("/login", base_url="https://localhost")
            assert page.headers["Strict-Transport-Security"].startswith("max-age=")
            token = csrf_token_https(client)
            response = client.post("/login", base_url="https://localhost",
                                   headers={"Referer": "https://localhost/login"},
                                   data={"email": alice.email, "password": alice.password,
                                         "csrf_token": token})
            cookie = next(v for v in response.headers.getlist("Set-Cookie")
                          if v.startswith("tend_session="))
            assert "Secure" in cookie and "HttpOnly" in cookie
        finally:
            db.session.remove()
            from tests.conftest import empty_all_tables
            empty_all_tables()
            db.engine.dispose()


def csrf_token_https(client) -> str:
    from tests.conftest import CSRF_META
    html = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    return CSRF_META.search(html).group(1)


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We couldn" in response.get_data(as_text=True)


# --- Return addresses (``next``) ------------------------------------------------------------

OFF_SITE = ["https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
            "/\t/evil.example", "javascript:alert(1)", "evil.example/today"]


def _planned_dose(person, clock):
    from models import PlannedDose
    from tests.records import add_medication

    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc))
    med = add_medication(person, clock())
    return db.session.scalar(select(PlannedDose).where(PlannedDose.medication_id == med.id)
                             .order_by(PlannedDose.due_at))


def _hrefs(html: str, label: str) -> list[str]:
    return re.findall(r'<a[^>]*href="([^"]*)"[^>]*>\s*' + re.escape(label), html)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_dose_pages_never_link_back_off_the_site(client, alice, clock, target):
    planned = _planned_dose(alice, clock)
    login(client, alice)
    html = client.get("/doses/new", query_string={"dose": planned.id, "next": target}
                      ).get_data(as_text=True)
    assert _hrefs(html, "Back") == ["/today"]
    assert "evil.example" not in html
    client.post("/doses", data={"csrf_token": csrf_token(client, "/today"), "status": "taken",
                                "medication_id": planned.medication_id,
                                "planned_dose_id": planned.id, "idempotency_key": "",
                                "note": "", "taken_at": ""})
    event = db.session.scalar(select(DoseEvent))
    edit = client.get(f"/doses/{event.id}/edit", query_string={"next": target}
                      ).get_data(as_text=True)
    assert "evil.example" not in edit


def test_the_dose_page_keeps_a_return_path_on_this_site(client, alice, clock):
    planned = _planned_dose(alice, clock)
    login(client, alice)
    html = client.get("/doses/new", query_string={"dose": planned.id, "next": "/history?day=1"}
                      ).get_data(as_text=True)
    assert _hrefs(html, "Back") == ["/history?day=1"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_sends_anyone_off_the_site(client, alice, target):
    response = client.post("/login", query_string={"next": target}, data={
        "email": alice.email, "password": alice.password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/today"


# --- Files on the server and what its logs show -----------------------------------------------

def test_the_database_its_wal_and_its_folder_are_private(tmp_path):
    """The database holds health records: nobody else on the machine may read it."""
    import os
    import stat

    from tests.conftest import make_test_app

    folder = tmp_path / "instance"
    old_umask = os.umask(0o022)  # a common default: files 0644, folders 0755
    try:
        folder.mkdir()
        app = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'tend.sqlite3'}")
        with app.app_context():
            with db.engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
                conn.exec_driver_sql("INSERT INTO probe VALUES (1)")
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()}
            db.engine.dispose()
    finally:
        os.umask(old_umask)
    assert {"tend.sqlite3", "tend.sqlite3-wal", "tend.sqlite3-shm"} <= set(modes)
    assert all(mode == 0o600 for mode in modes.values()), modes


def test_the_dev_servers_request_log_hides_codes_and_tokens(app, alice, clock):
    """`make run` prints one line per request; links with a secret in them must not show it."""
    import logging
    import urllib.request

    from werkzeug.serving import make_server
    import threading

    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Keep()
    logging.getLogger("werkzeug").addHandler(handler)
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    secrets_in_urls = ["/reset-password/Sekr1tResetToken", "/signup/confirm/Sekr1tSignupToken",
                       "/care/invite/SEKR-1TIN-VITE",
                       "/login?next=%2Fcare%2Finvite%2FSEKR-1TIN-VITE"]
    try:
        for path in secrets_in_urls:
            try:
                urllib.request.urlopen(base + path)
            except urllib.error.HTTPError:
                pass
    finally:
        server.shutdown()
        thread.join(timeout=5)
        logging.getLogger("werkzeug").removeHandler(handler)
    logged = "\n".join(lines)
    assert logged.count("GET /") == len(secrets_in_urls), logged
    assert "Sekr1t" not in logged and "SEKR" not in logged, logged
    assert "/reset-password/" in logged and "/care/invite/" in logged


def test_every_route_with_a_secret_in_its_path_is_hidden_in_logs(app):
    from tend.ops.logs import hide_secrets

    for rule in app.url_map.iter_rules():
        if {"token", "code"} & set(rule.arguments):
            path = rule.rule.replace("<token>", "Sekr1t").replace("<code>", "Sekr1t")
            assert "Sekr1t" not in hide_secrets(f"GET {path} HTTP/1.1"), rule.rule


def test_gunicorn_and_nginx_keep_no_access_log_of_their_own():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert "\naccesslog = None\n" in (root / "deploy" / "gunicorn.conf.py").read_text()
    nginx = (root / "deploy" / "nginx-tend.conf").read_text()
    assert "access_log off;" in nginx and "log_format" not in nginx
