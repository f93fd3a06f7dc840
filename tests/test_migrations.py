"""Migrations and models agree, and every migration goes up from empty and back down."""
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
