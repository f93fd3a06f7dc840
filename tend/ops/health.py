"""``GET /healthz`` for load balancers and monitors: 200 when Tend can serve, 503 when not.

It needs no sign-in and says nothing about anyone: only whether the database answers, whether
its schema is the one this code expects, and whether the reminder worker beat lately."""
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from models import db
from tend import clock
from tend.ops import heartbeat

bp = Blueprint("ops", __name__)
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@cache
def code_heads() -> frozenset[str]:
    """The migration heads this code ships with (read once per process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_heads() -> frozenset[str]:
    return frozenset(MigrationContext.configure(db.session.connection()).get_current_heads())


def check_database() -> dict:
    db.session.execute(text("SELECT 1"))
    return {"ok": True}


def check_migrations() -> dict:
    return {"ok": database_heads() == code_heads()}


def check_reminder_worker() -> dict:
    """A worker that is expected (``TEND_EXPECT_REMINDER_WORKER``) must have beaten within a
    minute; without that setting, reminders run inside the web process and this only reports."""
    beat_at = heartbeat.last_heartbeat(db.session, heartbeat.REMINDERS)
    now = clock.now()
    fresh = heartbeat.is_fresh(beat_at, now)
    expected = current_app.config["TEND_EXPECT_REMINDER_WORKER"]
    result = {"ok": fresh or not expected, "expected": expected,
              "status": "running" if fresh else ("stale" if beat_at else "not running")}
    if beat_at:
        result["seconds_since_beat"] = int((now - beat_at).total_seconds())
    return result


CHECKS = {"database": check_database, "migrations": check_migrations,
          "reminder_worker": check_reminder_worker}


def run_checks() -> dict:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except SQLAlchemyError as exc:
            db.session.rollback()
            results[name] = {"ok": False, "error": type(exc).__name__}
    return results


@bp.get("/healthz")
def healthz():
    checks = run_checks()
    db.session.rollback()  # read-only: end the transaction at once
    healthy = all(check["ok"] for check in checks.values())
    response = jsonify(status="ok" if healthy else "unhealthy", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
