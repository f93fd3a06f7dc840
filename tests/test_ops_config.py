"""`flask check-config` refuses an unsafe production configuration and passes the documented one;
ProxyFix trusts X-Forwarded-* headers only when a setting says so."""
import secrets
from pathlib import Path

import pytest
from flask import request, request_started

from app import create_app
from tend.ops.checks import web_workers

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "tend.env.example"
SETTINGS = ("SECRET_KEY", "DATABASE_URL", "TEND_BASE_URL", "TEND_VAPID_SUBJECT", "FLASK_DEBUG",
            "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS", "TEND_EXPECT_REMINDER_WORKER")


def documented_production_env() -> dict[str, str]:
    """deploy/tend.env.example, with the secret filled in as its comment says."""
    env = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    env["SECRET_KEY"] = secrets.token_hex(32)
    return env


def check_config(monkeypatch, tmp_path, **changes):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    env = {**documented_production_env(), **changes}
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    app = create_app()
    app.instance_path = str(tmp_path / "instance")
    return app.test_cli_runner().invoke(args=["check-config"])


def test_it_passes_the_documented_production_configuration(monkeypatch, tmp_path):
    result = check_config(monkeypatch, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "ready for production" in result.stdout


@pytest.mark.parametrize(("changes", "complaint"), [
    ({"FLASK_DEBUG": "1"}, "Debug mode is on"),
    ({"SECRET_KEY": "dev"}, "SECRET_KEY is weak"),
    ({"SECRET_KEY": "a" * 64}, "SECRET_KEY is weak"),
    ({"DATABASE_URL": "sqlite:////var/lib/tend/tend.sqlite3"}, "SQLite with 3 web workers"),
    ({"DATABASE_URL": "sqlite:////var/lib/tend/tend.sqlite3", "WEB_CONCURRENCY": None,
      "GUNICORN_CMD_ARGS": "--bind 127.0.0.1:8000 -w 4"}, "SQLite with 4 web workers"),
    ({"TEND_VAPID_SUBJECT": None}, "TEND_VAPID_SUBJECT is missing"),
    ({"TEND_VAPID_SUBJECT": "ops@example.org"}, "must start with mailto: or https:"),
    ({"TEND_VAPID_SUBJECT": "mailto:admin@localhost"}, "Apple's push service refuses"),
    ({"TEND_BASE_URL": "http://tend.example.org"}, "TEND_BASE_URL is 'http://tend.example.org'"),
])
def test_it_fails_and_says_what_is_wrong(monkeypatch, tmp_path, changes, complaint):
    result = check_config(monkeypatch, tmp_path, **changes)
    assert result.exit_code == 1
    assert complaint in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # only the one thing that is wrong


def test_sqlite_with_one_worker_is_fine(monkeypatch, tmp_path):
    result = check_config(monkeypatch, tmp_path, WEB_CONCURRENCY="1",
                          DATABASE_URL=f"sqlite:///{tmp_path / 'tend.sqlite3'}")
    assert result.exit_code == 0, result.stderr


def test_it_reports_every_problem_at_once(monkeypatch, tmp_path):
    result = check_config(monkeypatch, tmp_path, FLASK_DEBUG="1", SECRET_KEY="changeme",
                          TEND_BASE_URL="http://localhost:5000", TEND_VAPID_SUBJECT=None)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 4


def test_gunicorn_worker_count_comes_from_the_command_line_first():
    assert web_workers({"WEB_CONCURRENCY": "2", "GUNICORN_CMD_ARGS": "--workers=5"}) == 5
    assert web_workers({"WEB_CONCURRENCY": "2"}) == 2
    assert web_workers({}) == 3


def seen_by_the_app(app, headers: dict) -> dict:
    seen = {}

    def remember(sender, **extra):
        seen.update(scheme=request.scheme, host=request.host, remote_addr=request.remote_addr,
                    url=request.url_root)
    with request_started.connected_to(remember, app):
        app.test_client().get("/healthz", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    return seen


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "tend.example.org"}


def test_behind_a_proxy_the_app_sees_the_client_address_scheme_and_host(app):
    proxied = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": "x" * 40, "TEND_PROXY_FIX_X_FOR": 1,
                          "TEND_PROXY_FIX_X_PROTO": 1, "TEND_PROXY_FIX_X_HOST": 1})
    seen = seen_by_the_app(proxied, FORWARDED)
    assert seen == {"scheme": "https", "host": "tend.example.org", "remote_addr": "203.0.113.7",
                    "url": "https://tend.example.org/"}


def test_without_the_setting_forwarded_headers_are_ignored(app):
    seen = seen_by_the_app(app, FORWARDED)
    assert (seen["scheme"], seen["host"], seen["remote_addr"]) == ("http", "localhost",
                                                                  "10.0.0.2")
