"""A cycle already under way (issue 17, left over): "Today is day N of the cycle" on the
medication and change forms and over the API; its on and off days follow that day, across DST
and leap days; the export says where the cycle began."""
import html
import re
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
from sqlalchemy import select

from models import Medication, PlannedDose, Regimen, RegimenChange, User, db
from tend.services import medications, schedule
from tests.conftest import api_headers, csrf_token, examples, login
from tests.test_schedule_kinds import SPECIAL_DAYS, ZONES

UTC = timezone.utc
NOW = datetime(2026, 5, 6, 9, 0, tzinfo=UTC)  # Wednesday 6 May 2026, 10:00 in London


@settings(max_examples=examples(80, 400), deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(SPECIAL_DAYS), st.integers(-3, 3),
       st.integers(0, 23), st.integers(1, 30), st.integers(1, 10), st.data())
def test_a_cycles_days_on_and_off_follow_the_day_of_it_chosen_today(
        zone_name, special, shift, hour, on, off, data):
    """Whatever the zone, hour and day (DST and leap days around it), "today is day N" makes
    today day N: each day after is on exactly when its place in the cycle is one of the first
    ``on``, with every planned local time once."""
    cycle_day = data.draw(st.integers(1, on + off))
    zone = ZoneInfo(zone_name)
    today = special + timedelta(days=shift)
    now = datetime.combine(today, time(hour), tzinfo=zone).astimezone(UTC)
    client = User(id=1, timezone=zone_name)
    spec = medications.RegimenSpec(schedule_kind="cycle", cycle_on_days=on, cycle_off_days=off,
                                   times=["02:30", "09:00"], cycle_day=cycle_day)
    medications.count_from(spec, client, now, first_day=today)
    regimen = Regimen(change=RegimenChange.START, medication_id=1, id=1,
                      valid_from=datetime(2020, 1, 1, tzinfo=UTC))
    spec.apply_to(regimen)
    last = today + timedelta(days=on + off + 2)
    rows = schedule.doses_for_regimen(regimen, client, today, last)
    assert medications.cycle_day_on(regimen, today) == cycle_day
    day = today
    while day <= last:
        place = ((day - today).days + cycle_day - 1) % (on + off)  # 0: the cycle's first day
        planned = [r["local_time"] for r in rows if r["local_date"] == day]
        assert planned == ([time(2, 30), time(9)] if place < on else []), (day, zone_name)
        assert medications.cycle_day_on(regimen, day) == place + 1
        day += timedelta(days=1)
    moments = [r["due_at"] for r in rows]
    assert moments == sorted(moments) and len(set(moments)) == len(moments)


def _form(client, **changes):
    data = {"csrf_token": csrf_token(client, "/medications/new"), "name": "Yaz",
            "form": "tablet", "kind": "prescribed", "started_on": "2026-05-06", "amount": "1",
            "strength_unit": "mg", "schedule": "cycle", "cycle_on_days": "21",
            "cycle_off_days": "7", "times": "21:00"}
    data.update(changes)
    return client.post("/medications/new", data=data)


def _planned_days(person) -> set[date]:
    return {d.local_date for d in db.session.scalars(
        select(PlannedDose).where(PlannedDose.client_id == person.id))}


def test_day_10_of_a_21_7_cycle_entered_today_has_11_more_days_on_then_7_off(
        client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    response = _form(client, cycle_day="10")
    assert response.status_code == 302
    med = db.session.scalars(select(Medication).where(Medication.client_id == alice.id)).one()
    assert med.regimens[0].anchor_on == date(2026, 4, 27)  # day 1, nine days ago
    schedule.plan_doses(db.session, db.session.get(User, alice.id), NOW,
                        through=date(2026, 6, 10))
    days = _planned_days(alice)
    # 6 May is day 10: 6-17 May on (days 10-21), 18-24 May off, 25 May day 1 again.
    assert {date(2026, 5, 6), date(2026, 5, 17), date(2026, 5, 25)} <= days
    assert not days & {date(2026, 5, 18) + timedelta(days=n) for n in range(7)}
    page = html.unescape(client.get(f"/medications/{med.id}/change").get_data(as_text=True))
    assert 'name="cycle_day"' in page and 'value="10"' in page  # a change keeps the cycle


def test_the_medication_page_says_which_day_of_the_cycle_today_is_on_or_off(
        client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    assert _form(client, cycle_day="10").status_code == 302
    med = db.session.scalars(select(Medication).where(Medication.client_id == alice.id)).one()

    def cycle_line() -> str | None:
        page = html.unescape(client.get(f"/medications/{med.id}").get_data(as_text=True))
        found = re.search(r"<dt>Cycle</dt><dd>(.*?)</dd>", page)
        return found and found.group(1)

    # 6 May is day 10; 17 May day 21, the last day on; 18 May the first day off; 25 May day 1.
    for days, line in ((0, "day 10 of the cycle, a day on"), (11, "day 21 of the cycle, a day on"),
                       (12, "day 22 of the cycle, a day off"), (19, "day 1 of the cycle, a day on")):
        if days:
            clock.set(NOW + timedelta(days=days))
            login(client, alice)  # a day away signs out
        assert cycle_line() == f"Today is {line}."
    token = csrf_token(client, f"/medications/{med.id}")
    assert client.post(f"/medications/{med.id}/pause",
                       data={"csrf_token": token}).status_code == 302
    assert cycle_line() is None  # paused: no doses, so no day of the cycle to take them on


def test_a_day_past_the_cycles_length_is_refused_at_its_field_keeping_the_rest(
        client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    response = _form(client, cycle_day="29", name="Yaz 28")
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert ('<p class="field-error" id="cycle_day-error">Your cycle has 28 days: enter a day '
            'from 1 to 28.</p>') in text
    assert 'value="Yaz 28"' in text and 'value="21"' in text and 'value="29"' in text
    assert db.session.scalars(select(Medication)).all() == []
    assert _form(client, cycle_day="0").status_code == 400


def test_without_a_day_the_cycle_starts_on_the_start_day(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    assert _form(client, started_on="2026-05-01").status_code == 302
    med = db.session.scalars(select(Medication)).one()
    assert med.regimens[0].anchor_on == date(2026, 5, 1)


def test_the_api_takes_the_day_of_the_cycle_and_answers_where_it_began(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    headers = api_headers(client, "/today")
    body = {"name": "Yaz", "form": "tablet", "kind": "prescribed", "amount": 1,
            "schedule": "cycle", "cycle_on_days": 21, "cycle_off_days": 7,
            "times": ["21:00"], "started_on": "2026-05-06"}
    created = client.post("/api/v1/medications", headers=headers,
                          json={**body, "cycle_day": 10, "idempotency_key": str(uuid.uuid4())})
    assert created.status_code == 201, created.json
    assert created.json["regimens"][0]["anchor_on"] == "2026-04-27"
    refused = client.post("/api/v1/medications", headers=headers,
                          json={**body, "cycle_day": 30, "idempotency_key": str(uuid.uuid4())})
    assert refused.status_code == 400
    assert list(refused.json["fields"]) == ["cycle_day"]
    bundle = client.get("/my-data/tend-fhir.json").json
    [cycle] = [e for entry in bundle["entry"] if entry["resource"]["resourceType"] ==
               "MedicationStatement" for d in entry["resource"]["dosage"]
               for e in d.get("timing", {}).get("extension", [])]
    assert {"url": "first-day", "valueDate": "2026-04-27"} in cycle["extension"]
