"""schemathesis against the running app, signed in as a client with a record: every
operation of the OpenAPI document, every check, a bounded number of examples.

One check is narrowed: valid-by-schema data may still be refused under a rule that depends on
today or on the record (a side effect can't start tomorrow), but only with a 400 that names a
field the document lists for it in ``x-record-rules``."""
import re
import threading
from datetime import datetime, timezone

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import Failure
from flask_migrate import upgrade
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.serving import make_server

from models import Role, db
from tests.conftest import examples, make_person, make_test_app, new_database_url
from tests.records import add_medication

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
ACCEPTED = {401, 403, 404, 409, 429}


def _document() -> dict:
    """The document as the app serves it (it needs no database)."""
    app = make_test_app(SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        return app.test_client().get("/api/v1/openapi.json").json


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def record_rules(case) -> set[str]:
    """The fields of the operation's rules that depend on today or the record."""
    operation = case.operation.definition.raw
    rules = set(operation.get("x-record-rules", {}))
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    reference = body.get("schema", {}).get("$ref")
    if reference:
        rules |= set(DOCUMENT["components"]["schemas"][reference.rsplit("/", 1)[1]]
                     .get("x-record-rules", {}))
    return rules


def valid_data_is_accepted_unless_a_record_rule(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if 200 <= status < 400 or status in ACCEPTED:
        return None
    if status == 400:
        named = set(response.json().get("fields", {}))
        if named and named <= record_rules(case):
            return None
    raise Failure(operation=case.operation.label, title="Schema-valid request rejected",
                  message=f"Valid data was refused with {status}, naming no record rule: "
                          f"{response.text[:300]}")


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    """One app, database and signed-in client for every operation (starting them per
    operation took longer than the fuzzing): a client with a medication taken at 08:00 and
    20:00."""
    url = new_database_url(tmp_path_factory.mktemp("fuzz"), "tend_fuzz")
    app = make_test_app(SQLALCHEMY_DATABASE_URI=url, TEND_BASE_URL="http://localhost")
    with app.app_context():
        upgrade()
        alice = make_person("alice@example.com", "Alice", Role.CLIENT)
        add_medication(alice, datetime.now(timezone.utc), times=["08:00", "20:00"])
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    session = requests.Session()
    token = CSRF_META.search(session.get(f"{base_url}/login").text).group(1)
    session.post(f"{base_url}/login", data={"email": alice.email, "password": alice.password,
                                             "csrf_token": token})
    session.headers["X-CSRFToken"] = CSRF_META.search(
        session.get(f"{base_url}/today").text).group(1)
    yield base_url, session
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


# The coverage phase (every boundary and missing-field case the schema defines) is not bounded
# by max_examples and runs in full in `make test`; the generated phase adds EXAMPLES random
# cases, valid and invalid, per operation: 5 in `make test`, 50 in `make soak`.
EXAMPLES = examples(5, 50)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_document(case, api_server):
    base_url, session = api_server
    case.call_and_validate(base_url=base_url, session=session,
                           excluded_checks=[positive_data_acceptance],
                           additional_checks=[valid_data_is_accepted_unless_a_record_rule])
