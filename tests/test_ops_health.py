"""GET /healthz: what a load balancer or monitor sees, and that it never needs a sign-in."""
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from app import create_app
from models import WorkerHeartbeat, db
from tend.ops.heartbeat import record_heartbeat
from tests.conftest import login, make_test_app, new_database_url


def test_it_answers_200_with_every_check_passing_and_no_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert {name for name, check in response.json["checks"].items() if check["ok"]} == {
        "database", "migrations", "reminder_worker"}
    assert response.headers["Cache-Control"] == "no-store"


def test_it_says_nothing_about_anyone(client, alice):
    login(client, alice)
    body = client.get("/healthz").get_data(as_text=True)
    assert "alice" not in body.lower()
    assert "Alice" not in body


def test_it_answers_503_when_the_database_cannot_be_reached(tmp_path):
    missing = tmp_path / "no-such-folder" / "tend.sqlite3"
    app = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    with app.app_context():
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unhealthy"
    assert response.json["checks"]["database"]["ok"] is False
    assert response.json["checks"]["migrations"]["ok"] is False


def test_it_answers_503_when_the_database_is_behind_the_code(tmp_path):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, "behind"))
    with app.app_context():
        upgrade()
        downgrade(revision="-1")
        response = app.test_client().get("/healthz")
        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["checks"]["database"]["ok"] is True
    assert response.json["checks"]["migrations"]["ok"] is False


def test_it_only_reports_a_missing_worker_when_none_is_expected(client):
    check = client.get("/healthz").json["checks"]["reminder_worker"]
    assert check == {"ok": True, "expected": False, "status": "not running"}


def test_it_wants_a_heartbeat_within_a_minute_when_a_worker_is_expected(app, client, clock):
    app.config["TEND_EXPECT_REMINDER_WORKER"] = True
    clock.set(clock())

    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["reminder_worker"]["status"] == "not running"

    record_heartbeat(db.session, "reminders", clock())
    db.session.commit()
    clock.advance(seconds=59)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"]["reminder_worker"] == {
        "ok": True, "expected": True, "status": "running", "seconds_since_beat": 59}

    clock.advance(seconds=2)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["reminder_worker"]["status"] == "stale"


def test_several_workers_beating_the_same_name_keep_one_row(app, clock):
    first = clock()
    record_heartbeat(db.session, "reminders", first)
    db.session.commit()
    record_heartbeat(db.session, "reminders", first.replace(microsecond=0))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(WorkerHeartbeat)) == 1
    row = db.session.get(WorkerHeartbeat, "reminders")
    assert row.beat_at == first.replace(microsecond=0)


def test_the_app_factory_opens_no_database_connection(tmp_path):
    """gunicorn forks workers after loading the app: a connection opened before the fork
    would be shared by every worker. SQLite creates its file on the first connection."""
    database = Path(tmp_path) / "never-opened.sqlite3"
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x" * 40})
    create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                "SECRET_KEY": "x" * 40})
    assert not database.exists()
