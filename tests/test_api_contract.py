"""The OpenAPI document is valid OpenAPI 3 and the API keeps to it under fuzzing."""
import re
from datetime import datetime, timezone

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from tests.records import add_medication

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_the_document_is_valid_openapi_3(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    validate(served.json)


def test_every_api_route_is_documented(app, client):
    documented = {path for path in client.get("/api/v1/openapi.json").json["paths"]}
    routes = {re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api.")
              and rule.rule != "/api/v1/openapi.json"}
    assert routes - documented == set()


def test_the_document_describes_how_checkins_merge(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert "checkin" in schemas["Today"]["required"]
    assert schemas["Today"]["properties"]["checkin"]["nullable"] is True
    new = schemas["NewCheckIn"]["properties"]
    assert new["edited_at"]["format"] == "date-time"
    assert new["mood"]["anyOf"][0]["nullable"] is True  # or its text, "" too
    assert new["mood"]["anyOf"][1] == {"type": "string", "pattern": "^(?:[1-5])?$"}
    assert set(new["base"]["properties"]) == set(new) - {"idempotency_key", "date",
                                                         "edited_at", "entered_in", "base"}
    conflict = schemas["CheckInSaved"]["allOf"][1]["properties"]["conflicts"]["items"]
    assert conflict["properties"]["kept"]["enum"] == ["this_device", "other_device"]
    saved = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/checkins"]["post"]
    assert saved["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CheckInSaved"}


@pytest.fixture
def signed_in_session(live_server, alice):
    add_medication(alice, datetime.now(timezone.utc), times=["08:00", "20:00"])
    session = requests.Session()
    page = session.get(f"{live_server}/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    session.post(f"{live_server}/login", data={"email": alice.email, "password": alice.password,
                                                "csrf_token": token})
    page = session.get(f"{live_server}/today").text
    session.headers["X-CSRFToken"] = re.search(r'name="csrf-token" content="([^"]+)"',
                                               page).group(1)
    return session


def test_the_api_keeps_to_its_document_under_fuzzing(live_server, signed_in_session):
    """Every operation, fuzzed from its schema: no server error, and every answer has a
    documented status, content type and body shape."""
    schema = schemathesis.openapi.from_dict(
        signed_in_session.get(f"{live_server}/api/v1/openapi.json").json())
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(base_url=live_server, session=signed_in_session,
                                   checks=CHECKS)

        call()
