"""A day's check-in is merged, never erased: a save changes only the fields it sends, an
explicit empty value clears one, two devices that changed the same field keep the later
edit (and are told), and a check-in with nothing in it is refused everywhere."""
import html as html_text
import re
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from models import CheckIn, ReminderKind, ReminderStatus, Reminder, User, db
from tend.reminders import planner, preferences
from tend.services import journal
from tests.conftest import api_headers, login
from tests.reminder_helpers import subscribe

UTC = timezone.utc
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)  # 11:00 in London
DAY = date(2026, 5, 6)
EMPTY = "Add at least one answer or a note before saving."


@pytest.fixture
def signed_in(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    client.headers = api_headers(client, "/today")
    return client


def send(client, body):
    return client.post("/api/v1/checkins", json={"date": DAY.isoformat(), **body},
                       headers=client.headers)


def saved() -> CheckIn | None:
    db.session.expire_all()
    return db.session.scalar(select(CheckIn).where(CheckIn.local_date == DAY))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(CheckIn))


def values_of(item: CheckIn) -> dict:
    return {name: getattr(item, name) for name in
            ("sleep_hours", "sleep_quality", "energy", "mood", "work", "relationships",
             "self_care", "note")}


def count_reminders() -> int:
    return db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.kind == ReminderKind.CHECKIN, Reminder.status == ReminderStatus.PENDING))


def page(response) -> str:
    return html_text.unescape(response.get_data(as_text=True))


def moment(hour: int, minute: int = 0) -> str:
    return datetime.combine(DAY, time(hour, minute), tzinfo=UTC).isoformat()


# --- The service ------------------------------------------------------------------------------

def test_a_partial_save_keeps_every_field_it_does_not_send(app, alice):
    client = db.session.get(User, alice.id)
    journal.save_checkin(db.session, client, DAY, {"sleep_hours": Decimal("7"), "energy": 2,
                                                   "mood": 3, "work": 4, "note": "walk"}, NOW)
    journal.save_checkin(db.session, client, DAY, {"mood": 4}, NOW + timedelta(hours=1))
    db.session.commit()
    assert values_of(saved()) == {"sleep_hours": Decimal("7.0"), "sleep_quality": None,
                                  "energy": 2, "mood": 4, "work": 4, "relationships": None,
                                  "self_care": None, "note": "walk"}


def test_an_explicit_empty_value_clears_only_that_field(app, alice):
    client = db.session.get(User, alice.id)
    journal.save_checkin(db.session, client, DAY, {"sleep_hours": Decimal("7"), "mood": 3,
                                                   "note": "walk"}, NOW)
    journal.save_checkin(db.session, client, DAY, {"mood": None, "note": ""}, NOW)
    db.session.commit()
    item = saved()
    assert (item.sleep_hours, item.mood, item.note) == (Decimal("7.0"), None, "")


# --- The API ----------------------------------------------------------------------------------

def test_an_absent_field_is_unchanged_and_null_clears_it(signed_in):
    send(signed_in, {"sleep_hours": 7, "mood": 3, "energy": 2, "note": "walk"})
    kept = send(signed_in, {"mood": 4})
    assert kept.status_code == 200
    assert (kept.json["sleep_hours"], kept.json["mood"], kept.json["energy"],
            kept.json["note"]) == (7, 4, 2, "walk")
    assert kept.json["conflicts"] == []
    cleared = send(signed_in, {"energy": None, "note": None})
    assert (cleared.json["sleep_hours"], cleared.json["mood"], cleared.json["energy"],
            cleared.json["note"]) == (7, 4, None, "")


@pytest.mark.parametrize("sync", [{}, {"edited_at": moment(9), "base": {"energy": None}}],
                         ids=["plain", "with-base"])
def test_two_devices_one_day_keep_both_devices_answers(signed_in, clock, sync):
    """The defect: A saved sleep 7, mood 3 and a note; B, offline, saved only energy 4."""
    device_a = send(signed_in, {"sleep_hours": 7, "mood": 3, "note": "slept well",
                                "idempotency_key": str(uuid.uuid4())})
    assert device_a.status_code == 201
    clock.set(NOW + timedelta(hours=2))  # B comes back online and sends its queue
    device_b = send(signed_in, {"energy": 4, "idempotency_key": str(uuid.uuid4()), **sync})
    assert device_b.status_code == 200, device_b.json
    assert device_b.json["conflicts"] == []
    today = signed_in.get("/api/v1/today").json
    assert today["checkin_done"] is True
    assert {name: today["checkin"][name] for name in ("sleep_hours", "mood", "energy", "note")} \
        == {"sleep_hours": 7, "mood": 3, "energy": 4, "note": "slept well"}


def test_the_same_field_changed_on_two_devices_keeps_the_later_edit(signed_in, clock):
    clock.set(datetime.combine(DAY, time(8), tzinfo=UTC))
    send(signed_in, {"mood": 2, "sleep_hours": 6})         # both phones load mood 2
    clock.set(datetime.combine(DAY, time(10), tzinfo=UTC))
    send(signed_in, {"mood": 3, "base": {"mood": 2}})       # phone A, online, at 10:00
    clock.set(datetime.combine(DAY, time(10, 30), tzinfo=UTC))
    earlier = send(signed_in, {"mood": 4, "sleep_hours": 8, "edited_at": moment(9, 30),
                               "base": {"mood": 2, "sleep_hours": 6}})
    assert earlier.json["mood"] == 3 and earlier.json["sleep_hours"] == 8
    assert earlier.json["conflicts"] == [{"field": "mood", "kept": "other_device", "value": 3}]

    later = send(signed_in, {"mood": 5, "edited_at": moment(10, 15), "base": {"mood": 2}})
    assert later.json["mood"] == 5
    assert later.json["conflicts"] == [{"field": "mood", "kept": "this_device", "value": 5}]
    assert saved().mood == 5


def test_a_field_sent_unchanged_from_its_base_is_not_written(signed_in, clock):
    """A device that sends its whole form: what it did not touch keeps the other's edit."""
    send(signed_in, {"mood": 2, "note": "first"})
    clock.set(NOW + timedelta(minutes=5))
    send(signed_in, {"note": "from phone A", "base": {"note": "first"}})
    clock.set(NOW + timedelta(minutes=30))
    answer = send(signed_in, {"mood": 4, "note": "first", "edited_at": moment(10, 20),
                              "base": {"mood": 2, "note": "first"}})
    assert (answer.json["mood"], answer.json["note"]) == (4, "from phone A")
    assert answer.json["conflicts"] == []


def test_a_future_edit_time_counts_as_now_and_a_bad_one_is_named(signed_in, clock):
    send(signed_in, {"mood": 2})
    clock.set(NOW + timedelta(minutes=10))
    send(signed_in, {"mood": 3, "base": {"mood": 2}})
    future = send(signed_in, {"mood": 5, "edited_at": "2030-01-01T00:00:00Z",
                              "base": {"mood": 2}})
    # clamped to now (10:10), the same moment as the saved edit: not later, so it is kept
    assert future.json["mood"] == 3
    assert future.json["conflicts"] == [{"field": "mood", "kept": "other_device", "value": 3}]
    bad = send(signed_in, {"mood": 4, "edited_at": "yesterday"})
    assert bad.status_code == 400 and "edited_at" in bad.json["fields"]
    wrong = send(signed_in, {"mood": 4, "base": {"mood": 9}})
    assert wrong.status_code == 400
    assert wrong.json["fields"] == {"base.mood": ["Choose a number from 1 to 5."]}
    shape = send(signed_in, {"mood": 4, "base": [1]})
    assert shape.status_code == 400
    assert shape.json["fields"] == {"base": ["This field has the wrong type."]}
    unknown = send(signed_in, {"mood": 4, "base": {"colour": "blue"}})
    assert unknown.json["fields"] == {"base.colour": ["This field is not accepted here."]}
    assert saved().mood == 3


@pytest.mark.parametrize("body", [{}, {"mood": None, "note": ""}, {"note": "   "}])
def test_an_empty_checkin_is_refused_over_the_api(signed_in, body):
    answer = send(signed_in, body)
    assert answer.status_code == 400
    assert answer.json["fields"] == {"checkin": [EMPTY]}
    assert count() == 0
    assert signed_in.get("/api/v1/today").json["checkin"] is None


def test_an_update_that_would_leave_nothing_is_refused(signed_in):
    send(signed_in, {"mood": 3})
    answer = send(signed_in, {"mood": None})
    assert answer.status_code == 400 and answer.json["fields"] == {"checkin": [EMPTY]}
    assert saved().mood == 3


def test_today_carries_the_days_checkin_values(signed_in):
    assert signed_in.get("/api/v1/today").json["checkin"] is None
    send(signed_in, {"sleep_hours": 7.5, "mood": 3, "self_care": 4, "note": "walk"})
    checkin = signed_in.get("/api/v1/today").json["checkin"]
    assert {name: checkin[name] for name in ("date", "sleep_hours", "sleep_quality", "mood",
                                             "self_care", "note")} == {
        "date": "2026-05-06", "sleep_hours": 7.5, "sleep_quality": None, "mood": 3,
        "self_care": 4, "note": "walk"}
    assert checkin["updated_at"].startswith("2026-05-06T10:00")
    other_day = signed_in.get("/api/v1/today?date=2026-05-05").json
    assert other_day["checkin"] is None and other_day["checkin_done"] is False


# --- The HTML form ----------------------------------------------------------------------------

def form_fields(html: str) -> dict:
    """What the browser would send for the form as rendered (checked radios, inputs, note)."""
    form = re.search(r'<form method="post"[^>]*checkin-form.*?</form>', html, re.S).group(0)
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or ('type="radio"' in tag and "checked" not in tag):
            continue
        data[name.group(1)] = value.group(1) if value else ""
    note = re.search(r'<textarea[^>]*name="note"[^>]*>(.*?)</textarea>', form, re.S)
    data["note"] = note.group(1).strip() if note else ""
    return data


def test_the_form_writes_only_what_the_person_changed(signed_in, clock):
    send(signed_in, {"sleep_hours": 7, "mood": 3, "note": "walk"})
    rendered = form_fields(page(signed_in.get("/checkin")))
    clock.set(NOW + timedelta(minutes=5))
    send(signed_in, {"note": "walk and swim", "energy": 2,
                     "base": {"note": "walk", "energy": None}})  # the other phone
    clock.set(NOW + timedelta(minutes=10))
    response = signed_in.post("/checkin", data={**rendered, "mood": "4"})
    assert response.status_code == 302
    item = saved()
    assert (item.sleep_hours, item.mood, item.energy, item.note) == (
        Decimal("7.0"), 4, 2, "walk and swim")
    assert "Check-in updated." in page(signed_in.get("/today"))


def test_the_form_says_which_answer_was_kept_when_both_changed_a_field(signed_in, clock):
    send(signed_in, {"mood": 3})
    rendered = form_fields(page(signed_in.get("/checkin")))
    send(signed_in, {"mood": 5, "base": {"mood": 3}})   # the other phone, this same minute
    response = signed_in.post("/checkin", data={**rendered, "mood": "2"})
    assert response.status_code == 302
    assert saved().mood == 5
    html = page(signed_in.get("/today"))
    assert "Mood was also changed on another device" in html and "5/5" in html

    rendered = form_fields(page(signed_in.get("/checkin")))
    clock.set(NOW + timedelta(minutes=1))
    send(signed_in, {"mood": 1, "edited_at": moment(9), "base": {"mood": 5}})  # sent late
    clock.set(NOW + timedelta(minutes=2))
    signed_in.post("/checkin", data={**rendered, "mood": "2"})
    assert saved().mood == 2
    assert "Mood was also changed on another device" in page(signed_in.get("/today"))


def test_an_empty_form_is_refused_at_the_form_and_the_reminder_stays(signed_in, alice, clock):
    phone = SimpleNamespace(endpoint="https://push.example.invalid/phone", p256dh="key",
                            auth="secret")
    subscribe(alice, phone, clock())
    preferences.save_checkin_reminder(db.session, db.session.get(User, alice.id),
                                      enabled=True, local_time=time(15, 0), now=clock())
    db.session.commit()
    planner.plan_all(db.session, clock())
    db.session.commit()
    assert count_reminders() == 1
    rendered = form_fields(page(signed_in.get("/checkin")))
    response = signed_in.post("/checkin", data={**rendered, "note": "  "})
    html = page(response)
    assert response.status_code == 400
    assert EMPTY in html and "Check-in saved" not in html
    assert count() == 0
    planner.plan_all(db.session, clock())
    db.session.commit()
    db.session.expire_all()
    reminders = db.session.scalars(select(Reminder).where(
        Reminder.kind == ReminderKind.CHECKIN)).all()
    assert [(r.checkin_for, r.status) for r in reminders] == [(DAY, ReminderStatus.PENDING)]
    assert "Done for today" not in page(signed_in.get("/today"))



def test_the_pages_form_sent_as_json_is_accepted_and_merges(signed_in, clock):
    """The offline queue sends a form's own fields as the JSON body (``base-mood`` and all)."""
    send(signed_in, {"sleep_hours": 7, "mood": 3, "note": "walk"})
    rendered = form_fields(page(signed_in.get("/checkin")))
    clock.set(NOW + timedelta(minutes=5))
    send(signed_in, {"note": "walk and swim", "base": {"note": "walk"}})  # the other phone
    rendered.pop("csrf_token")
    answer = send(signed_in, {**rendered, "mood": "4", "edited_at": moment(10, 2)})
    assert answer.status_code == 200, answer.json
    assert (answer.json["sleep_hours"], answer.json["mood"], answer.json["note"]) == (
        7, 4, "walk and swim")
    assert answer.json["conflicts"] == []


def test_it_keeps_a_checkin_entered_before_a_flight_west_and_refuses_one_ahead_everywhere(
        client, alice, clock):
    """Saved offline in Auckland on the 24th, sent after landing where it is still the 23rd."""
    db.session.get(User, alice.id).timezone = "Etc/GMT+12"
    db.session.commit()
    clock.set(datetime(2026, 10, 24, 1, 0, tzinfo=UTC))  # the 24th, 14:00 in Auckland
    login(client, alice)
    headers = api_headers(client, "/today")

    def post(body):
        return client.post("/api/v1/checkins", json={
            "date": "2026-10-24", "mood": 4, "idempotency_key": str(uuid.uuid4()), **body},
            headers=headers)

    kept = post({"entered_in": "Pacific/Auckland"})
    assert kept.status_code == 201, kept.json
    assert kept.json["mood"] == 4

    ahead = post({})
    assert ahead.status_code == 400
    assert ahead.json["fields"]["date"] == ["That date is in the future. Choose today or earlier."]

    unknown = post({"date": "2026-10-23", "entered_in": "Mars/Olympus"})
    assert unknown.status_code == 400
    assert unknown.json["fields"]["entered_in"] == ["Choose a time zone from the list."]
