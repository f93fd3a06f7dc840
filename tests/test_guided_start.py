"""A new client's guided start: reached after sign-up, skippable, resumable from Today,
counted in steps done; done anywhere in Tend counts."""
from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from models import GuidedStart, Medication, PlannedDose, User, db
from tend.services import guided_start, journal
from tests.conftest import csrf_token, login
from tests.reminder_helpers import subscribe
from tests.test_auth import _confirm_by_mail, signup_data
from tests.mailbox import inbox  # noqa: F401  (a fixture)
from tests.test_client_pages import NOW


@pytest.fixture
def new_client(client, clock, alice):
    """Alice, signed in, as just after sign-up: her guided start is open."""
    clock.set(NOW)
    guided_start.begin(db.session, db.session.get(User, alice.id), NOW)
    db.session.commit()
    login(client, alice)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, path, data=None, page=None):
    return client.post(path, data={"csrf_token": csrf_token(client, page or path),
                                   **(data or {})})


def test_it_opens_the_guide_after_a_client_signs_up(client, inbox):
    client.post("/signup", data=signup_data(client))
    confirmed = _confirm_by_mail(client, inbox, "robin@example.com")
    assert urlsplit(confirmed.headers["Location"]).path == "/start"
    step = client.get("/start")
    assert urlsplit(step.headers["Location"]).path == "/start/medication"
    page = text(client.get("/start/medication"))
    assert "Add your first medication" in page and "0 of 4 steps done" in page
    for preset in ("Once a day", "Twice a day", "As needed",
                   "A dose that changes on set dates (a taper or a step-up)"):
        assert preset in page
    assert "1 of 4 steps done" not in text(client.get("/today"))
    assert "0 of 4 steps done" in text(client.get("/today"))


def test_a_therapist_who_signs_up_gets_no_guide(client, inbox):
    client.post("/signup", data=signup_data(client, role="therapist"))
    _confirm_by_mail(client, inbox, "robin@example.com")
    assert db.session.scalar(select(GuidedStart)) is None


def test_twice_a_day_plans_both_doses_and_moves_on_to_reminders(new_client, alice):
    answer = post(new_client, "/start/medication", {
        "name": "Sertraline", "strength": "50", "strength_unit": "mg", "preset": "twice",
        "first_time": "09:00", "second_time": "21:00"})
    assert urlsplit(answer.headers["Location"]).path == "/start/reminders"
    med = db.session.scalar(select(Medication))
    assert (med.name, med.regimens[0].times, med.started_on) == (
        "Sertraline", ["09:00", "21:00"], date(2026, 3, 10))
    planned = db.session.scalars(select(PlannedDose.local_time).where(
        PlannedDose.local_date == date(2026, 3, 10))).all()
    assert sorted(str(t)[:5] for t in planned) == ["09:00", "21:00"]
    today = text(new_client.get("/today"))
    assert "1 of 4 steps done" in today
    assert "Continue: Turn on reminders on this device" in today
    assert "9:00" in today and "Sertraline" in today


def test_as_needed_needs_no_time(new_client):
    post(new_client, "/start/medication", {"name": "Ibuprofen", "preset": "as_needed",
                                           "first_time": "", "second_time": ""})
    assert db.session.scalar(select(Medication)).regimens[0].as_needed


def test_a_step_plan_starts_once_a_day_and_opens_the_plans_form(new_client):
    answer = post(new_client, "/start/medication", {
        "name": "Sertraline", "strength": "50", "strength_unit": "mg", "preset": "step_plan",
        "first_time": "08:00", "second_time": ""})
    med = db.session.scalar(select(Medication))
    assert urlsplit(answer.headers["Location"]).path == f"/medications/{med.id}/plans/new"
    assert med.regimens[0].times == ["08:00"]
    assert "1 of 4 steps done" in text(new_client.get("/today"))  # the medication is there


def test_the_medication_step_shows_every_error_at_once_with_the_values_kept(new_client):
    answer = post(new_client, "/start/medication", {
        "name": "", "strength": "-5", "preset": "twice", "first_time": "08:00",
        "second_time": "08:00"})
    page = text(answer)
    assert answer.status_code == 400
    assert "Enter the medication's name." in page
    assert "Enter a strength above 0." in page
    assert "Choose a time different from the first." in page
    assert 'value="-5"' in page
    assert db.session.scalar(select(Medication)) is None


def test_a_skipped_step_leaves_the_guide_where_the_client_left_off(new_client):
    post(new_client, "/start/medication/skip", page="/start/medication")
    post(new_client, "/start/reminders/skip", page="/start/reminders")
    today = text(new_client.get("/today"))
    assert "0 of 4 steps done" in today and "Skipped" in today
    assert "Continue: Add Tend to this device" in today
    assert urlsplit(new_client.get("/start").headers["Location"]).path == "/start/install"


def test_done_elsewhere_counts_and_the_guide_closes_when_every_step_is_settled(
        new_client, alice, clock):
    user = db.session.get(User, alice.id)
    subscribe(alice, type("Device", (), {"endpoint": "https://push.example.net/1",
                                         "p256dh": "B" + "A" * 86, "auth": "A" * 22}),
              clock())
    journal.save_checkin(db.session, user, date(2026, 3, 10), {"mood": 3}, NOW)
    db.session.commit()
    assert "2 of 4 steps done" in text(new_client.get("/today"))
    post(new_client, "/start/install", page="/start/install")
    post(new_client, "/start/medication/skip", page="/start/medication")
    today = text(new_client.get("/today"))
    assert "Getting started" not in today  # every step done or skipped: the guide closed
    assert urlsplit(new_client.get("/start").headers["Location"]).path == "/today"


def test_hiding_the_guide_closes_it(new_client):
    answer = post(new_client, "/start/put-away", page="/today")
    assert urlsplit(answer.headers["Location"]).path == "/today"
    assert "Getting started" not in text(new_client.get("/today"))


def test_a_client_without_a_guide_never_sees_it(client, clock, alice):
    clock.set(NOW)
    login(client, alice)
    assert "Getting started" not in text(client.get("/today"))
    assert urlsplit(client.get("/start/reminders").headers["Location"]).path == "/today"


def test_an_unknown_step_is_not_found(new_client):
    assert post(new_client, "/start/everything/skip", page="/today").status_code == 404
