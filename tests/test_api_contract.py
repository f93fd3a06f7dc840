"""The OpenAPI document is valid OpenAPI 3 and names every API route (that the API keeps to
it is fuzzed in test_api_schema_fuzz.py, with every schemathesis check)."""
import re

from openapi_spec_validator import validate


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
