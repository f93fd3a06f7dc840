"""Taken far from a dose's time asks once, without JavaScript too: Today's "Taken" on the
evening dose in the morning shows a question with the same entry ready to send; it never
blocks, and the JSON API (which other devices and the offline queue use) never asks."""
import uuid
from datetime import datetime, timezone

import pytest

from models import DoseEvent
from tests.conftest import api_headers
from tests.test_client_pages import (add_medication, count, page, planned_on, post,  # noqa: F401
                                     signed_in)

MORNING = datetime(2026, 3, 10, 8, 28, tzinfo=timezone.utc)  # 08:28 in London (GMT)


@pytest.fixture
def morning(signed_in, clock):
    clock.set(MORNING)
    return signed_in


def taken(med, dose) -> dict:
    return {"medication_id": med.id, "planned_dose_id": dose.id, "status": "taken",
            "idempotency_key": str(uuid.uuid4()), "next": "/today#dose-%d" % dose.id}


def test_taken_on_the_evening_dose_in_the_morning_asks_first(morning, alice):
    med = add_medication(alice, times=("08:00", "20:00"))
    evening = planned_on(med, 1)
    data = taken(med, evening)
    response = post(morning, "/doses", data)
    html = page(response)
    assert response.status_code == 200
    assert "This is the 8:00\u202fPM dose. Log it as taken now?" in html \
        or "This is the 8:00 PM dose. Log it as taken now?" in html
    assert f'name="idempotency_key" value="{data["idempotency_key"]}"' in html
    assert 'name="confirm_far" value="1"' in html
    assert count(DoseEvent) == 0

    confirmed = post(morning, "/doses", {**data, "confirm_far": "1"})
    assert confirmed.status_code == 302
    assert count(DoseEvent) == 1


def test_taken_near_the_dose_time_or_at_a_chosen_time_does_not_ask(morning, alice):
    med = add_medication(alice, times=("08:00", "11:00", "20:00"))
    assert post(morning, "/doses", taken(med, planned_on(med, 0))).status_code == 302
    assert post(morning, "/doses", taken(med, planned_on(med, 1))).status_code == 302  # 2.5 h
    chosen = {**taken(med, planned_on(med, 2)), "taken_at": "2026-03-10T08:20"}
    assert post(morning, "/doses", chosen).status_code == 302
    assert count(DoseEvent) == 3


def test_the_api_never_asks(morning, alice):
    med = add_medication(alice, times=("20:00",))
    evening = planned_on(med)
    response = morning.post("/api/v1/doses", headers=api_headers(morning, "/today"), json={
        "medication_id": med.id, "planned_dose_id": evening.id, "status": "taken",
        "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 201
    assert count(DoseEvent) == 1
