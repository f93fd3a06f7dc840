"""Migrations and models agree, and every migration goes up from empty and back down."""
import json

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
        db.engine.dispose()
