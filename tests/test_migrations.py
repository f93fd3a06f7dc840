"""Migrations and models agree, and every migration goes up from empty and back down."""
import json

import pytest

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from models import Base, db
from tests.conftest import make_test_app, new_database_url


def _differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_upgrade_from_empty_matches_the_models_and_downgrade_empties(tmp_path):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, "migrations"))
    with app.app_context():
        upgrade()
        assert _differences(db.engine) == []
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert _differences(db.engine) == []
        db.engine.dispose()


def test_0010_gives_each_saved_checkin_answer_its_last_change_time(tmp_path):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, "checkins"))
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, email, display_name, role, timezone, locale, "
                "password_hash, created_at) VALUES (1, 'a@example.com', 'A', 'client', "
                "'Europe/London', 'en', 'x', '2026-03-01 09:00:00')"))
            conn.execute(sa.text(
                "INSERT INTO checkins (client_id, local_date, mood, note, created_at, "
                "updated_at) VALUES (1, '2026-03-02', 3, 'walk', '2026-03-02 20:00:00', "
                "'2026-03-02 21:30:00')"))
        upgrade(revision="0010")
        with db.engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT field_changed_at FROM checkins")).scalar()
        stamps = stored if isinstance(stored, dict) else json.loads(stored)
        assert stamps["mood"] == stamps["note"] == "2026-03-02T21:30:00+00:00"
        downgrade(revision="base")


def test_0009_merges_copied_slots_keeps_reminders_and_fills_event_zones(tmp_path):
    """Copies of a slot made by pause/resume are merged (the logged one kept); the table
    rebuild on SQLite deletes no reminder and unlinks no dose event; events get a zone."""
    app = make_test_app(SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, "m0009"))
    with app.app_context():
        upgrade(revision="0008")
        now = "2026-06-01 08:00:00"
        with db.engine.begin() as conn:
            run = lambda sql: conn.execute(sa.text(sql))  # noqa: E731
            run("INSERT INTO users (id, email, display_name, role, timezone, locale, "
                f"password_hash, created_at) VALUES (1, 'a@x', 'A', 'client', 'Europe/London', "
                f"'en', 'x', '{now}')")
            run("INSERT INTO medications (id, client_id, name, form, kind, purpose, prescriber, "
                "started_on, end_reason, status, created_at) VALUES (1, 1, 'S', 'tablet', "
                f"'prescribed', '', '', '2026-06-01', '', 'active', '{now}')")
            for regimen_id, change in ((1, "start"), (2, "pause"), (3, "resume")):
                run("INSERT INTO regimens (id, medication_id, change, valid_from, amount, "
                    "strength_unit, as_needed, times, weekdays, note) VALUES "
                    f"({regimen_id}, 1, '{change}', "
                    f"'{now}', 1, 'mg', false, '[\"09:00\"]', '[]', '')")
            for dose_id, regimen_id in ((1, 1), (2, 3)):
                run("INSERT INTO planned_doses (id, client_id, medication_id, regimen_id, "
                    f"local_date, local_time, timezone, due_at) VALUES ({dose_id}, 1, 1, "
                    f"{regimen_id}, '2026-06-01', '09:00:00', 'Europe/London', "
                    "'2026-06-01 08:00:00')")
            run("INSERT INTO dose_events (id, client_id, medication_id, planned_dose_id, status, "
                f"occurred_at, note, logged_at) VALUES (1, 1, 1, 1, 'skipped', '{now}', '', "
                f"'{now}')")
            run("INSERT INTO dose_events (id, client_id, medication_id, status, occurred_at, "
                f"note, logged_at) VALUES (2, 1, 1, 'taken', '{now}', '', '{now}')")
            run("INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, "
                "device_label, user_agent, created_at, last_error, consecutive_failures) "
                f"VALUES (1, 1, 'https://p/1', 'k', 'a', '', '', '{now}', '', 0)")
            run("INSERT INTO reminders (id, user_id, subscription_id, planned_dose_id, kind, "
                "status, due_at, expires_at, next_attempt_at, attempts, last_error, created_at) "
                f"VALUES (1, 1, 1, 1, 'dose', 'pending', '{now}', '{now}', '{now}', 0, '', "
                f"'{now}')")
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id FROM planned_doses")).scalars().all() == [1]
            assert conn.execute(sa.text(
                "SELECT id, planned_dose_id, timezone FROM dose_events ORDER BY id")).all() == [
                (1, 1, "Europe/London"), (2, None, "Europe/London")]
            assert conn.execute(sa.text("SELECT planned_dose_id FROM reminders")).all() == [(1,)]
        downgrade(revision="0008")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM reminders")).scalar() == 1
        db.engine.dispose()


def test_0014_lets_grants_share_the_plan_for_hard_times_and_still_checks_categories(tmp_path):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, "m0014"))
    now = "2026-12-01 09:00:00"

    def add_grant(conn, grant_id, category):
        conn.execute(sa.text(
            "INSERT INTO grants (id, care_link_id, category, created_at) "
            f"VALUES ({grant_id}, 1, '{category}', '{now}')"))

    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            for user_id, role in ((1, "client"), (2, "therapist")):
                conn.execute(sa.text(
                    "INSERT INTO users (id, email, display_name, role, timezone, locale, "
                    f"password_hash, created_at) VALUES ({user_id}, 'u{user_id}@x', 'U', "
                    f"'{role}', 'Europe/London', 'en', 'x', '{now}')"))
            conn.execute(sa.text(
                "INSERT INTO care_links (id, client_id, supporter_id, role, status, "
                "invitee_name, expires_at, created_at) VALUES (1, 1, 2, 'therapist', "
                f"'active', 'T', '{now}', '{now}')"))
            add_grant(conn, 1, "sleep")
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            add_grant(conn, 2, "safety_plan")
        with pytest.raises(sa.exc.IntegrityError):
            with db.engine.begin() as conn:
                add_grant(conn, 3, "everything")
        downgrade(revision="0013")
        with db.engine.connect() as conn:  # the plan's grant went with the plan
            assert conn.execute(sa.text("SELECT category FROM grants")).scalars().all() == [
                "sleep"]
        with pytest.raises(sa.exc.IntegrityError):
            with db.engine.begin() as conn:
                add_grant(conn, 4, "safety_plan")
        db.engine.dispose()
