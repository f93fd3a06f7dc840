"""Pages show a dose or an event in the zone it happened in, after the client moved zones:
the care team's record, History's past days, and the form that edits a dose's time.

Anna lives in Amsterdam, takes her 07:00 dose at 08:32 and an as-needed one at 23:30 on
15 January, then flies to Tokyo (eight hours ahead) and follows local time. Bob, her
therapist, and Carol, her caregiver, are in London."""
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Category, DoseEvent, DoseStatus, Medication, PlannedDose, Role, User, db
from tend.reminders import planner
from tend.services import doses, medications
from tests.conftest import csrf_token, login, make_person
from tests.records import add_medication
from tests.sharing_world import link

AMSTERDAM, TOKYO, LONDON = "Europe/Amsterdam", "Asia/Tokyo", "Europe/London"
DAY = date(2026, 1, 15)


def local(zone: str, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(
        timezone.utc)


def text(html: str) -> str:
    """Page text with Babel's narrow no-break space before AM/PM as a plain space."""
    return html.replace("\u202f", " ").replace("&#39;", "'")


@pytest.fixture
def anna(app, clock):
    person = make_person("anna@example.com", "Anna", Role.CLIENT, tz=AMSTERDAM)
    client = db.session.get(User, person.id)
    med = add_medication(person, local(AMSTERDAM, DAY, 6), times=["07:00"])
    prn = add_medication(person, local(AMSTERDAM, DAY, 6), name="Ibuprofen", times=(),
                         as_needed=True, max_per_day=3)
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == DAY))
    doses.record(db.session, client, medication_id=med.id, planned_dose_id=planned.id,
                 status=DoseStatus.TAKEN, taken_at=local(AMSTERDAM, DAY, 8, 32),
                 now=local(AMSTERDAM, DAY, 9))
    doses.record(db.session, client, medication_id=prn.id, status=DoseStatus.TAKEN,
                 taken_at=local(AMSTERDAM, DAY, 23, 30), now=local(AMSTERDAM, DAY, 23, 31))
    db.session.commit()
    moved = local(AMSTERDAM, DAY + timedelta(days=1), 1)  # 09:00 on the 16th in Tokyo
    planner.set_timezone(db.session, db.session.get(User, person.id), TOKYO, moved)
    db.session.commit()
    clock.set(local(TOKYO, DAY + timedelta(days=1), 11))
    person.medication_id, person.prn_id = med.id, prn.id
    return person


def event_of(person, medication_id) -> DoseEvent:
    db.session.expire_all()
    return db.session.scalar(select(DoseEvent).where(DoseEvent.medication_id == medication_id,
                                                     DoseEvent.client_id == person.id))


def day_section(html: str, day: date) -> str:
    """One day's card of History."""
    match = re.search(rf'<section[^>]*aria-labelledby="day-{day.isoformat()}".*?</section>',
                      html, re.S)
    assert match, f"no section for {day}"
    return match.group(0)


# --- The care team's record ------------------------------------------------------------------

def test_the_therapists_dose_log_shows_a_dose_at_the_time_it_was_where_it_was_taken(
        client, anna):
    bob = make_person("bob@example.com", "Bob Lee", Role.THERAPIST, tz=LONDON)
    link(db.session.get(User, anna.id), bob, [Category.MEDICATIONS, Category.DOSE_LOG],
         from_date=DAY - timedelta(days=1))
    login(client, bob)
    html = text(client.get(f"/care/clients/{anna.id}").get_data(as_text=True))
    assert "8:32 AM, Amsterdam time" in html          # not 7:32 (London) nor 4:32 PM (Tokyo)
    assert "11:30 PM, Amsterdam time" in html
    assert "7:32" not in html and "4:32" not in html
    # Bob is in London: the page says whose clock its times are read on.
    assert "Times are in Tokyo time, Anna's time zone." in html


def test_the_caregivers_today_names_the_zone_of_a_dose_kept_at_the_old_time(client, anna):
    carol = make_person("carol@example.com", "Carol", Role.CAREGIVER, tz=TOKYO)
    link(db.session.get(User, anna.id), carol, [Category.MEDICATIONS, Category.DOSE_LOG],
         from_date=DAY - timedelta(days=1))
    login(client, carol)
    html = text(client.get(f"/care/clients/{anna.id}").get_data(as_text=True))
    today = re.search(r'aria-labelledby="today-heading".*?</section>', html, re.S).group(0)
    # 09:00 in Tokyo when she landed: Tokyo's 07:00 had passed, so today's dose stays at
    # Amsterdam's 07:00 (3 PM in Tokyo), and says so.
    assert "7:00 AM, Amsterdam time" in today
    assert "8:32 AM, Amsterdam time" in html
    assert "Times are in" not in html  # Carol reads the same clock as Anna


def test_see_as_shows_the_client_the_times_their_therapist_sees(client, anna):
    bob = make_person("bob@example.com", "Bob Lee", Role.THERAPIST, tz=LONDON)
    care_link = link(db.session.get(User, anna.id), bob, [Category.DOSE_LOG],
                     from_date=DAY - timedelta(days=1))
    login(client, anna)
    html = text(client.get(f"/sharing/people/{care_link.id}/preview").get_data(as_text=True))
    assert "8:32 AM, Amsterdam time" in html and "11:30 PM, Amsterdam time" in html


def test_the_prescriber_update_dates_a_change_on_the_clients_clock(client, anna, clock):
    client_user = db.session.get(User, anna.id)
    med = db.session.get(Medication, anna.medication_id)
    spec = medications.RegimenSpec(amount=1, strength=75, strength_unit="mg", times=["07:00"])
    changed = local(TOKYO, DAY + timedelta(days=1), 10, 15)  # 01:15 UTC, 01:15 in London
    medications.change_regimen(db.session, client_user, med, spec, changed, changed)
    db.session.commit()
    bob = make_person("bob@example.com", "Bob Lee", Role.THERAPIST, tz="America/New_York")
    link(client_user, bob, [Category.MEDICATIONS], from_date=DAY - timedelta(days=1))
    login(client, bob)
    html = text(client.get(f"/care/clients/{anna.id}/update").get_data(as_text=True))
    changes = re.search(r'aria-labelledby="changes-heading".*?</section>', html, re.S).group(0)
    assert "10:15 AM" in changes  # Tokyo, not 8:15 PM the day before in New York
    assert "Jan 16, 2026" in changes
    assert "Times are in Tokyo time, Anna's time zone." in html
    assert "prepared Jan 16, 2026, 11:00 AM" in html  # on the same clock as the rest


# --- History of a past day ---------------------------------------------------------------------

def test_history_puts_an_as_needed_dose_on_the_day_it_was_taken_where_it_was_taken(
        client, anna):
    login(client, anna)
    html = text(client.get("/history").get_data(as_text=True))
    fifteenth = day_section(html, DAY)
    assert "11:30 PM, Amsterdam time" in fifteenth and "Ibuprofen" in fifteenth
    assert "Ibuprofen" not in day_section(html, DAY + timedelta(days=1))


# --- Editing a dose's time --------------------------------------------------------------------

def test_editing_a_dose_reads_and_writes_its_time_in_the_zone_it_was_taken_in(client, anna):
    login(client, anna)
    event = event_of(anna, anna.medication_id)
    page = f"/doses/{event.id}/edit"
    html = text(client.get(page).get_data(as_text=True))
    assert 'value="2026-01-15T08:32"' in html
    assert "Amsterdam time" in html  # the field says which clock it is on
    response = client.post(page, data={
        "csrf_token": csrf_token(client, page), "medication_id": anna.medication_id,
        "status": "taken", "taken_at": "2026-01-15T07:40", "note": ""})
    assert response.status_code == 302
    event = event_of(anna, anna.medication_id)
    assert event.occurred_at == local(AMSTERDAM, DAY, 7, 40)
    assert event.timezone == AMSTERDAM
    assert not doses.taken_late(event.planned_dose, event)  # 40 minutes after its 07:00
    html = text(client.get("/history?until=2026-01-15").get_data(as_text=True))
    assert "Taken at 7:40 AM, Amsterdam time" in html and "later than planned" not in html


def test_editing_an_as_needed_dose_keeps_it_on_its_own_clock(client, anna):
    login(client, anna)
    event = event_of(anna, anna.prn_id)
    page = f"/doses/{event.id}/edit"
    assert 'value="2026-01-15T23:30"' in client.get(page).get_data(as_text=True)
    client.post(page, data={"csrf_token": csrf_token(client, page),
                            "medication_id": anna.prn_id, "status": "taken",
                            "taken_at": "2026-01-15T22:00", "note": ""})
    assert event_of(anna, anna.prn_id).occurred_at == local(AMSTERDAM, DAY, 22)


def test_editing_a_dose_in_the_current_zone_shows_its_time_on_that_clock(client, clock):
    """A New York client's dose (no move): the field shows New York's time, not UTC's."""
    person = make_person("ny@example.com", "Nia", Role.CLIENT, tz="America/New_York")
    zone = "America/New_York"
    med = add_medication(person, local(zone, DAY, 6), times=["08:00"])
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == DAY))
    doses.record(db.session, db.session.get(User, person.id), medication_id=med.id,
                 planned_dose_id=planned.id, status=DoseStatus.TAKEN,
                 taken_at=local(zone, DAY, 8, 10), now=local(zone, DAY, 9))
    db.session.commit()
    clock.set(local(zone, DAY, 10))
    login(client, person)
    event = event_of(person, med.id)
    html = text(client.get(f"/doses/{event.id}/edit").get_data(as_text=True))
    assert 'value="2026-01-15T08:10"' in html
    assert "New York time" not in html  # the zone is named only where it differs


def test_logging_a_past_days_dose_reads_the_time_in_that_doses_zone(client, anna, clock):
    """History's "Log it" for a dose of a day lived in Amsterdam, done from Tokyo."""
    db.session.expire_all()
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == anna.medication_id,
        PlannedDose.local_date == DAY))
    # Undo the logged one, so it can be logged again at another time.
    login(client, anna)
    event = event_of(anna, anna.medication_id)
    client.post(f"/doses/{event.id}/delete", data={"csrf_token": csrf_token(client, "/today")})
    html = text(client.get(f"/doses/new?dose={planned.id}").get_data(as_text=True))
    assert 'value="2026-01-15T07:00"' in html and "Amsterdam time" in html
    response = client.post("/doses", data={
        "csrf_token": csrf_token(client, "/today"), "medication_id": anna.medication_id,
        "planned_dose_id": planned.id, "status": "taken", "taken_at": "2026-01-15T07:20",
        "idempotency_key": "", "note": ""})
    assert response.status_code == 302
    assert event_of(anna, anna.medication_id).occurred_at == local(AMSTERDAM, DAY, 7, 20)


# --- Exports -----------------------------------------------------------------------------------

def test_the_fhir_export_gives_a_dose_its_local_time_and_offset_where_it_was_taken(client,
                                                                                   anna):
    login(client, anna)
    document = client.get("/my-data/tend-fhir.json").get_json()
    given = sorted(entry["resource"]["effectiveDateTime"] for entry in document["entry"]
                   if entry["resource"]["resourceType"] == "MedicationAdministration")
    # The same moments as before, written as the clock read in Amsterdam (UTC+1).
    assert given == ["2026-01-15T08:32:00+01:00", "2026-01-15T23:30:00+01:00"]


# --- Today's notice when the phone is on another zone's clock ----------------------------------

NEW_YORK = "America/New_York"


@pytest.fixture
def nia(app, clock):
    """A New York client with a 21:00 dose, on the morning of 15 January."""
    person = make_person("nia@example.com", "Nia", Role.CLIENT, tz=NEW_YORK)
    clock.set(local(NEW_YORK, DAY, 8))
    person.medication_id = add_medication(person, local(NEW_YORK, DAY, 6),
                                          times=["21:00"]).id
    return person


def test_the_notice_names_both_clocks_and_offers_both_choices(client, nia):
    login(client, nia)
    response = client.get("/account/zone-notice?zone=Asia/Tokyo")
    html = text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Your phone is on Tokyo time. Your doses follow New York time." in html
    assert 'value="follow_local"' in html and "Follow Tokyo time" in html
    assert 'value="keep_home"' in html and "Keep New York times" in html
    assert "Don't ask again for Tokyo" in html and 'name="csrf_token"' in html


@pytest.mark.parametrize("zone", [NEW_YORK, "America/Detroit"])  # the same clock all year
def test_no_notice_when_the_phone_reads_the_same_time(client, nia, zone):
    login(client, nia)
    assert client.get(f"/account/zone-notice?zone={zone}").status_code == 204


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "../../etc"])
def test_an_unknown_zone_is_refused_by_name(client, nia, zone):
    login(client, nia)
    response = client.get("/account/zone-notice", query_string={"zone": zone})
    assert response.status_code == 400 and "zone" in response.get_json()["errors"]


def test_following_local_time_from_the_notice_moves_the_doses_ahead(client, nia):
    login(client, nia)
    response = client.post("/account/zone", data={
        "csrf_token": csrf_token(client, "/today"), "timezone": "Asia/Tokyo",
        "travel": "follow_local"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/today")
    user = db.session.get(User, nia.id)
    db.session.refresh(user)
    assert (user.timezone, user.travel_timezone) == ("Asia/Tokyo", None)
    html = text(client.get("/today").get_data(as_text=True))
    assert "Your doses now follow Tokyo time." in html
    assert 'data-zone-here="Asia/Tokyo"' in html


def test_keeping_home_times_from_the_notice_moves_nothing(client, nia):
    login(client, nia)
    before = db.session.scalars(select(PlannedDose.due_at).where(
        PlannedDose.client_id == nia.id).order_by(PlannedDose.due_at)).all()
    client.post("/account/zone", data={"csrf_token": csrf_token(client, "/today"),
                                       "timezone": "Asia/Tokyo", "travel": "keep_home"})
    db.session.expire_all()
    user = db.session.get(User, nia.id)
    assert (user.timezone, user.travel_timezone) == (NEW_YORK, "Asia/Tokyo")
    assert db.session.scalars(select(PlannedDose.due_at).where(
        PlannedDose.client_id == nia.id).order_by(PlannedDose.due_at)).all() == before
    html = text(client.get("/today").get_data(as_text=True))
    assert "Your doses stay at New York times while you're in Tokyo." in html
    assert client.get("/account/zone-notice?zone=Asia/Tokyo").status_code == 204


def test_the_choice_needs_the_forms_csrf_token_and_a_known_zone(client, nia):
    login(client, nia)
    client.post("/account/zone", data={"timezone": "Asia/Tokyo", "travel": "follow_local"})
    client.post("/account/zone", data={"csrf_token": csrf_token(client, "/today"),
                                       "timezone": "Mars/Olympus", "travel": "follow_local"})
    db.session.expire_all()
    assert db.session.get(User, nia.id).timezone == NEW_YORK
    html = text(client.get("/account").get_data(as_text=True))
    assert "Choose a time zone from the list." in html


def test_todays_dose_kept_at_the_old_zones_time_is_entered_on_that_clock(client, anna):
    """The 07:00 Amsterdam dose kept after the move (3 PM in Tokyo): "Taken at another
    time" starts from 07:00 and says whose clock that is."""
    login(client, anna)
    html = text(client.get("/today").get_data(as_text=True))
    assert 'value="2026-01-16T07:00"' in html
    assert "Enter the time as the clock read in Amsterdam." in html
