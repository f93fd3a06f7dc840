"""The connection pool in front of a database server: a dropped connection costs a
reconnect, never a failed request."""
import pytest
import sqlalchemy as sa

from models import db
from tend import database
from tests.conftest import TEST_DATABASE_URL, login

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs a database server")


def drop_every_other_connection() -> int:
    """What a server restart or an idle-connection reaper does to the app's pooled ones."""
    admin = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        dropped = conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    admin.dispose()
    return dropped


def test_a_request_after_the_server_dropped_an_idle_connection_succeeds(
        app, client, alice, monkeypatch):
    login(client, alice)
    assert client.get("/today").status_code == 200
    db.session.remove()  # the test's own connection goes back to the pool as well
    assert drop_every_other_connection() >= 1
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0)  # as if a second went by

    assert client.get("/today").status_code == 200
    assert client.get("/medications").status_code == 200
