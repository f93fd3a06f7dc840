"""Forms show every error at once, at its field, with the value kept; each message names the
rule broken; the bottom navigation marks the section a page belongs to; a medication shows one
start date."""
import html as html_text
import re

import pytest

from tests.conftest import csrf_token
from tests.test_client_pages import NOW, add_medication, signed_in  # noqa: F401


def field_errors(page: str) -> dict[str, str]:
    """The error shown at each field: {field id: message}."""
    return {name: html_text.unescape(message.strip()) for name, message in re.findall(
        r'<p class="field-error" id="([\w-]+)-error"[^>]*>(.*?)</p>', page, re.S)}


def test_it_shows_a_side_effects_three_errors_at_once_with_the_values_kept(signed_in):
    page = signed_in.post("/side-effects/new", data={
        "csrf_token": csrf_token(signed_in, "/side-effects/new"), "symptom": "",
        "severity": "mild", "started_on": "2026-03-20", "ended_on": "2026-03-15",
        "note": "kept note"}).get_data(as_text=True)
    errors = field_errors(page)
    assert errors["symptom"] == "Describe the side effect in a few words."
    assert "That date is in the future" in errors["started_on"]
    assert "The end can't be before the start." in errors["ended_on"]
    assert 'value="2026-03-20"' in page and 'value="2026-03-15"' in page
    assert "kept note" in page


def test_it_shows_an_experiments_errors_at_once(signed_in):
    page = signed_in.post("/experiments/new", data={
        "csrf_token": csrf_token(signed_in, "/experiments/new"), "title": "", "kind": "change",
        "changed_on": "2026-03-10", "hopes": "", "baseline_days": "14",
        "checkpoints-0": "2026-03-01"}).get_data(as_text=True)
    errors = field_errors(page)
    assert set(errors) >= {"title", "hopes", "measures", "checkpoints"}, errors


def test_it_says_a_refill_above_the_maximum_is_above_it(signed_in, alice):
    med = add_medication(alice, units=10)
    page = signed_in.post(f"/medications/{med.id}/refill", data={
        "csrf_token": csrf_token(signed_in, f"/medications/{med.id}"),
        "units": "99999999"}).get_data(as_text=True)
    message = field_errors(page)["units"]
    assert "above 0" not in message
    assert "100,000" in message and "above the maximum" in message


def test_it_still_asks_for_a_refill_above_zero(signed_in, alice):
    med = add_medication(alice, units=10)
    page = signed_in.post(f"/medications/{med.id}/refill", data={
        "csrf_token": csrf_token(signed_in, f"/medications/{med.id}"),
        "units": "0"}).get_data(as_text=True)
    assert field_errors(page)["units"] == "Enter a number above 0."


def current_section(page: str) -> str:
    [label] = re.findall(r'<a[^>]*aria-current="page"[^>]*>.*?<span[^>]*>([^<]+)</span>',
                         page, re.S)
    return label.strip()


@pytest.mark.parametrize("path, section", [
    ("/checkin", "Today"), ("/side-effects/new", "Today"), ("/today", "Today"),
    ("/history", "History"), ("/checkin/2026-03-08", "History"), ("/medications", "Meds")])
def test_the_navigation_marks_the_section_a_page_belongs_to(signed_in, path, section):
    assert current_section(signed_in.get(path).get_data(as_text=True)) == section


def test_a_medication_shows_one_start_date(signed_in, alice):
    med = add_medication(alice)  # started 1 March, added (tracked from) 10 March
    page = signed_in.get(f"/medications/{med.id}").get_data(as_text=True)
    assert page.count("Mar 1, 2026") == 2  # the details and the dose history's first line
    assert "Mar 10, 2026" not in page


def test_a_help_contacts_rules_are_all_reported_together(app):
    from models import HelpContactKind
    from tend.services.errors import FieldError
    from tend.services.help import ContactInput
    with app.test_request_context("/"), pytest.raises(FieldError) as raised:
        ContactInput(HelpContactKind.THERAPIST, "", "12", note="x" * 2000).checked()
    assert {error.field for error in raised.value.errors} == {"name", "phone", "note"}


def test_the_api_names_every_side_effect_rule_broken(signed_in):
    from tests.conftest import api_headers
    answer = signed_in.post("/api/v1/side-effects", headers=api_headers(signed_in, "/today"), json={
        "symptom": "nausea", "severity": "mild", "started_on": "2026-03-20",
        "ended_on": "2026-03-15", "medication_ids": [999999]})
    assert answer.status_code == 400
    assert set(answer.json["fields"]) == {"started_on", "ended_on", "medication_ids"}
