"""An amount per intake is read by one rule wherever it is written: the medication form, the
step plan's form (a list, or start, step and target), the JSON API and its OpenAPI pattern.

The rule: what a prescription label writes. A whole number or a decimal with at most two
places ("1", "0.5", "0,75", "2.25"; a leading zero, so no ".5"); halves and quarters as a sign
or with a slash, after a whole number or alone ("½", "1½", "1 ½", "1/4", "1 1/4"). From 0.01
to 100. Nothing is rounded: "1/3", "⅓" and "0.125" can't be kept exactly, so they are refused."""
import html as html_text
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import select

from models import Medication, MedicationKind, User, db
from models.medication import AMOUNT_RANGE
from tend.fields import AMOUNT, AMOUNT_IN_RANGE_TEXT, parse_amount
from tend.services import medications, step_plans
from tests.conftest import api_headers, csrf_token, login

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
D = Decimal

ACCEPTED = {"1": "1", "0.5": "0.5", "0,75": "0.75", "2.25": "2.25", "½": "0.5", "¼": "0.25",
            "¾": "0.75", "1½": "1.5", "1 ½": "1.5", "1/2": "0.5", "1/4": "0.25",
            "1 1/4": "1.25", "99 3/4": "99.75", "100": "100", "0.50": "0.5"}
REFUSED = ["1/3", "⅓", "⅔", "2/3", "2/4", "⅛", "932/3", "11/2", ".5", ",5", "0.125", "1/0",
           "0", "0.00", "101", "100½", "abc", "1e1", "1_0", "-1", "1 /2", "½½"]


@pytest.fixture(autouse=True)
def signed_in(app, clock, alice, client):
    clock.set(NOW)
    login(client, alice)


def _medication_form(client, amount):
    return client.post("/medications/new", data={
        "csrf_token": csrf_token(client, "/medications/new"), "name": "Lithium",
        "started_on": "2026-11-20", "amount": amount, "schedule": "fixed", "times": "08:00",
        "weekdays": [str(d) for d in range(7)], "form": "tablet", "kind": "prescribed",
        "strength_unit": "mg"})


def _api(client, amount):
    return client.post("/api/v1/medications", headers=api_headers(client, "/today"), json={
        "name": "Lithium", "started_on": "2026-11-20", "amount": amount, "times": ["08:00"]})


def _medication(person) -> Medication:
    med, _ = medications.create_medication(
        db.session, db.session.get(User, person.id), name="Sertraline", form="tablet",
        kind=MedicationKind.PRESCRIBED, started_on=date(2026, 11, 20),
        spec=medications.RegimenSpec(amount=D(1), times=["08:00"]),
        now=datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc))
    db.session.commit()
    return med


def _plan_form(client, med, **fields):
    path = f"/medications/{med.id}/plans/new"
    return client.post(path, data={
        "csrf_token": csrf_token(client, path), "first_day": "2026-12-02", "interval": "1",
        "interval_unit": "weeks", **fields})


def _error(response, field) -> str:
    html = html_text.unescape(response.get_data(as_text=True))
    found = re.search(rf'id="{field}-error">([^<]*)<', html)
    return found and found.group(1).strip()


def _steps(med) -> list[Decimal]:
    plan = step_plans.plans_of(db.session, db.session.get(Medication, med.id))[0]
    return [step.amount for step in plan.steps]


def _pattern(client):
    document = client.get("/api/v1/openapi.json").json
    amount = document["components"]["schemas"]["NewMedication"]["properties"]["amount"]
    return re.compile(amount["anyOf"][1]["pattern"])


@pytest.mark.parametrize("text", list(ACCEPTED))
def test_each_form_and_the_api_take_an_amount_as_a_label_writes_it(client, alice, text):
    amount = D(ACCEPTED[text])
    page = _medication_form(client, text)
    assert page.status_code == 302, _error(page, "amount")
    answer = _api(client, text)
    assert answer.status_code == 201, answer.json
    assert D(str(answer.json["amount"])) == amount
    assert _pattern(client).search(text)
    med = _medication(alice)
    listed = _plan_form(client, med, kind="titration", way="list", steps=f"0.01; {text}")
    assert listed.status_code == 302, _error(listed, "steps")
    assert _steps(med) == [D("0.01"), amount]
    db.session.execute(db.delete(step_plans.PlanStep))
    db.session.execute(db.delete(step_plans.StepPlan))
    db.session.commit()
    by_size = _plan_form(client, med, kind="titration", way="by_size", start_amount="0.01",
                         step_size=text, target_amount=text)
    assert by_size.status_code == 302, (_error(by_size, "step_size"),
                                        _error(by_size, "target_amount"))
    assert _steps(med)[-1] == amount


@pytest.mark.parametrize("text", REFUSED)
def test_each_form_and_the_api_refuse_the_same_amounts_at_the_field(client, alice, text):
    page = _medication_form(client, text)
    assert page.status_code == 400 and _error(page, "amount"), text
    assert "Lithium" in page.get_data(as_text=True)  # nothing else lost
    answer = _api(client, text)
    assert answer.status_code == 400 and list(answer.json["fields"]) == ["amount"], answer.json
    assert answer.json["fields"]["amount"] == [_error(page, "amount")]  # the same words
    assert not _pattern(client).search(text)
    med = _medication(alice)
    listed = _plan_form(client, med, kind="titration", way="list", steps=f"0.01; {text}")
    assert listed.status_code == 400 and _error(listed, "steps"), text
    assert text in html_text.unescape(listed.get_data(as_text=True))
    by_size = _plan_form(client, med, kind="taper", way="by_size", start_amount=text,
                         step_size="¼", target_amount="¼")
    assert by_size.status_code == 400 and _error(by_size, "start_amount"), text
    assert db.session.scalars(select(step_plans.StepPlan)).all() == []


def test_the_api_takes_a_json_number_by_the_same_rule(client):
    assert _api(client, 0.25).status_code == 201
    assert _api(client, 0.125).status_code == 400
    document = client.get("/api/v1/openapi.json").json
    number = document["components"]["schemas"]["NewMedication"]["properties"]["amount"][
        "anyOf"][0]
    assert number["multipleOf"] == 0.01 and number["minimum"] == 0.01


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.from_regex(AMOUNT, fullmatch=True),
                 st.text(alphabet="-0123456789.,/ ½¼¾⅓", max_size=7)))
def test_the_documents_pattern_is_the_parser_within_the_limits(text):
    try:
        kept = AMOUNT_RANGE[0] <= parse_amount(text) <= AMOUNT_RANGE[1]
    except ValueError:
        kept = False
    assert bool(re.fullmatch(AMOUNT_IN_RANGE_TEXT, text)) == kept, text
