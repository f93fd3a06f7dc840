"""The API validates with the same rules as the forms and names the field at fault."""
import pytest

from tests.conftest import api_headers, login


@pytest.mark.parametrize("body, field, message", [
    ({"timezone": "Nowhere/Special"}, "timezone", "Choose a time zone from the list."),
    ({"display_name": "x" * 81}, "display_name", "Use at most 80 characters."),
    ({"display_name": {"nested": 1}}, "display_name", "This field has the wrong type."),
    ({"role": "therapist"}, "role", "This field is not accepted here."),
])
def test_it_names_the_field_of_bad_json_input(client, alice, body, field, message):
    login(client, alice)
    response = client.patch("/api/v1/me", json=body, headers=api_headers(client, "/today"))
    assert response.status_code == 400
    assert response.json["fields"][field] == [message]
    assert client.get("/api/v1/me").json["display_name"] == "Alice"


def test_it_refuses_a_body_that_is_not_an_object(client, alice):
    login(client, alice)
    response = client.patch("/api/v1/me", json=["a list"], headers=api_headers(client, "/today"))
    assert response.status_code == 400 and response.json["error"] == "invalid"
