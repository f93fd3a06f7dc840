"""schemathesis against the running app, signed in as a client with a record: every
operation of the OpenAPI document, every check, a bounded number of examples."""
import re
from datetime import datetime, timezone

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import make_test_app
from tests.records import add_medication

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def signed_in_session(live_server, alice):
    add_medication(alice, datetime.now(timezone.utc), times=["08:00", "20:00"])
    session = requests.Session()
    token = CSRF_META.search(session.get(f"{live_server}/login").text).group(1)
    session.post(f"{live_server}/login", data={"email": alice.email, "password": alice.password,
                                                "csrf_token": token})
    session.headers["X-CSRFToken"] = CSRF_META.search(
        session.get(f"{live_server}/today").text).group(1)
    return session


def _document() -> dict:
    """The document as the app serves it (it needs no database)."""
    app = make_test_app(SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        return app.test_client().get("/api/v1/openapi.json").json


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_document(case, signed_in_session, live_server):
    case.call_and_validate(base_url=live_server, session=signed_in_session)
