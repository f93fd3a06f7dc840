"""Get help (/help): the client's own contacts, the emergency number for their region, the
copy kept for offline use, and supporters seeing the contacts only with the grant."""
import html
import json
import re
from zoneinfo import available_timezones

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from models import AccessLogEntry, Category, Grant, HelpContact, LogAction, User, db
from tend.services import help as help_rules
from tests.conftest import csrf_token, login, make_test_app, new_database_url
from tests.sharing_world import FROM_DAY, NOW, link

EU_112 = ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES "
          "SE").split()
LOCAL_NUMBER = "If you or someone else is in danger now, call your local emergency number."


def page(client, path="/help") -> str:
    return html.unescape(client.get(path).get_data(as_text=True))


def add(client, **fields):
    data = {"kind": "prescriber", "name": "Dr Lee", "phone": "+44 20 7946 0000",
            "csrf_token": csrf_token(client, "/help/contacts/new"), **fields}
    return client.post("/help/contacts/new", data=data)


def set_user(person, **values):
    user = db.session.get(User, person.id)
    for name, value in values.items():
        setattr(user, name, value)
    db.session.commit()


def field_error(body: str, field: str) -> str:
    """The message shown at ``field`` (the error paragraph its input points to)."""
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', body)
    return match.group(1) if match else ""


# --- Contacts ------------------------------------------------------------------------------

def test_it_shows_the_clients_contacts_with_call_and_text_links(client, alice):
    login(client, alice)
    assert "Add the people and services you'd want to reach" in page(client)
    assert add(client).status_code == 302
    assert add(client, kind="crisis_line", name="Samaritans", phone="116 123", texting="y",
               note="Any time, day or night").status_code == 302
    assert add(client, kind="crisis_line", name="Shout", phone="85258",
               texting="y").status_code == 302  # several of one kind
    body = page(client)
    assert 'href="tel:+442079460000"' in body
    assert 'href="sms:+442079460000"' not in body  # not marked as taking texts
    assert 'href="tel:116123"' in body and 'href="sms:116123"' in body
    assert 'href="sms:85258"' in body
    assert "Any time, day or night" in body
    # Prescriber first, then the crisis lines in the order added.
    assert body.index("Dr Lee") < body.index("Samaritans") < body.index("Shout")


def test_a_bad_phone_number_is_refused_at_its_field_and_the_rest_is_kept(client, alice):
    login(client, alice)
    response = add(client, name="Sam, my sister", phone="call 0771 ext 2",
                   note="After 6 pm")
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert "Use only digits, spaces, dashes and brackets" in field_error(body, "phone")
    assert 'value="Sam, my sister"' in body and "After 6 pm" in body
    assert 'value="call 0771 ext 2"' in body  # what they typed, to correct it
    assert db.session.scalar(select(sa.func.count()).select_from(HelpContact)) == 0


@pytest.mark.parametrize("phone, shown, dialled", [
    ("+1 (555) 010-9999", "+1 (555) 010-9999", "+15550109999"),
    ("  111 ", "111", "111"),
    ("0800  58 58 58", "0800 58 58 58", "0800585858"),
])
def test_it_accepts_digits_spaces_dashes_brackets_and_a_leading_plus(client, alice, phone,
                                                                     shown, dialled):
    login(client, alice)
    assert add(client, phone=phone).status_code == 302
    contact = db.session.scalar(select(HelpContact))
    assert contact.phone == shown
    assert f'href="tel:{dialled}"' in page(client)


@pytest.mark.parametrize("phone, message", [
    ("12", "A phone number has at least 3 digits."),
    ("44+20 7946", "Use only digits"),
    ("++44 20", "Use only digits"),
    ("020.7946.0000", "Use only digits"),
    ("", "Enter a phone number."),
    ("1" * 41, "Use at most 40 characters."),
])
def test_it_says_what_is_wrong_with_a_phone_number(client, alice, phone, message):
    login(client, alice)
    response = add(client, phone=phone)
    assert response.status_code == 400
    assert message in field_error(html.unescape(response.get_data(as_text=True)), "phone")


def test_name_and_kind_are_needed_and_said_so_at_their_fields(client, alice):
    login(client, alice)
    response = add(client, kind="", name=" ")
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert field_error(body, "kind") == "Choose who this is."
    assert field_error(body, "name") == "Enter a name, so you know who this is."
    assert add(client, kind="surgeon").status_code == 400


def test_a_form_without_its_csrf_token_changes_nothing(client, alice):
    login(client, alice)
    response = client.post("/help/contacts/new", data={"kind": "prescriber", "name": "X",
                                                        "phone": "123"})
    assert response.status_code == 400
    assert db.session.scalar(select(sa.func.count()).select_from(HelpContact)) == 0


def test_a_contact_can_be_edited_and_deleted_by_its_owner_only(app, client, alice, dave):
    login(client, alice)
    add(client)
    contact_id = db.session.scalar(select(HelpContact.id))
    form = page(client, f"/help/contacts/{contact_id}")
    assert 'value="Dr Lee"' in form
    assert re.search(r'<input checked[^>]*value="prescriber"', form)
    token = csrf_token(client, f"/help/contacts/{contact_id}")
    response = client.post(f"/help/contacts/{contact_id}", data={
        "kind": "therapist", "name": "Dr Lee (therapy)", "phone": "020 7946 0001",
        "note": "Tuesdays", "csrf_token": token})
    assert response.status_code == 302
    assert "Dr Lee (therapy)" in page(client) and "Tuesdays" in page(client)

    as_dave = app.test_client()
    login(as_dave, dave)
    assert as_dave.get(f"/help/contacts/{contact_id}").status_code == 404
    dave_token = csrf_token(as_dave, "/help")
    assert as_dave.post(f"/help/contacts/{contact_id}/delete",
                        data={"csrf_token": dave_token}).status_code == 404
    assert "Dr Lee" not in page(as_dave)

    assert "Delete Dr Lee (therapy) from your contacts?" in \
        page(client, f"/help/contacts/{contact_id}/delete")
    response = client.post(f"/help/contacts/{contact_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Dr Lee" not in page(client)


# --- The emergency number and the region -----------------------------------------------------

def test_every_entry_of_the_emergency_table_has_numbers_and_a_source():
    data = json.loads(help_rules.EMERGENCY_FILE.read_text(encoding="utf-8"))
    seen = []
    for entry in data["entries"]:
        assert entry["regions"] and entry["numbers"], entry
        assert entry["source"].strip() and entry["url"].startswith("https://"), entry
        for number in entry["numbers"]:
            assert number["number"].isdigit(), entry
            assert number["service"] in ("emergency", "police", "ambulance", "fire",
                                         "ambulance_fire"), entry
        for region in entry["regions"]:
            assert re.fullmatch(r"[A-Z]{2}", region) and region != help_rules.NOT_LISTED
        seen += entry["regions"]
    assert len(seen) == len(set(seen)), "a region is listed twice"
    table = help_rules.emergency_table()

    def numbers(region):
        return [n.number for n in table[region].numbers]

    assert all("112" in numbers(region) for region in EU_112)
    assert numbers("US") == numbers("CA") == ["911"]
    assert numbers("GB") == ["999", "112"]
    assert numbers("AU")[0] == "000" and numbers("NZ") == ["111"]
    assert numbers("IN") == ["112"] and set(numbers("JP")) == {"110", "119"}


def test_every_time_zone_of_a_country_gives_that_country():
    assert help_rules.region_of_zone("Europe/London") == "GB"
    assert help_rules.region_of_zone("Asia/Calcutta") == "IN"  # an old name of Asia/Kolkata
    assert help_rules.region_of_zone("America/Toronto") == "CA"
    assert help_rules.region_of_zone("Europe/Kiev") == "UA"
    for zone in ("UTC", "Etc/GMT+3", "Nowhere/Else", ""):
        assert help_rules.region_of_zone(zone) is None
    countries = {zone: help_rules.region_of_zone(zone) for zone in available_timezones()
                 if "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
                 and zone != "Antarctica/Troll"}  # a research station, no country
    assert [zone for zone, region in countries.items() if region is None] == []


@pytest.mark.parametrize("account, sentence", [
    ({"timezone": "Europe/London"}, "call 999 or 112."),
    ({"timezone": "Europe/Berlin"}, "call 112."),
    ({"timezone": "America/Chicago"}, "call 911."),
    ({"timezone": "Asia/Tokyo"}, "call 119 (ambulance and fire) or 110 (police)."),
    ({"timezone": "Europe/London", "travel_timezone": "Australia/Sydney"}, "call 000 or 112."),
    ({"timezone": "UTC", "locale": "de_AT"}, "ruf 112 an."),  # Austrian: the German catalogue
    ({"timezone": "UTC"}, LOCAL_NUMBER),
    ({"timezone": "Asia/Ulaanbaatar"}, LOCAL_NUMBER),  # a country the table doesn't have
])
def test_the_emergency_number_follows_where_the_account_is(client, alice, account, sentence):
    set_user(alice, **account)
    login(client, alice)
    assert sentence in page(client)


def test_the_client_can_correct_the_region(client, alice):
    login(client, alice)  # Europe/London
    body = page(client)
    assert 'href="tel:999"' in body and "Source: GOV.UK" in body
    assert "Work it out from my time zone (United Kingdom)" in body

    def choose(region):
        return client.post("/help/region", data={"region": region,
                                                 "csrf_token": csrf_token(client, "/help")})

    assert choose("IE").status_code == 302
    body = page(client)
    assert "call 112 or 999." in body and "Country: Ireland." in body
    assert choose("ZZ").status_code == 302
    assert LOCAL_NUMBER in page(client) and 'href="tel:' not in page(client)
    response = choose("XX")
    assert response.status_code == 400
    assert "Not a valid choice" in field_error(response.get_data(as_text=True), "region")
    assert choose("").status_code == 302
    assert "call 999 or 112." in page(client)


# --- The copy kept for offline use ------------------------------------------------------------

def test_the_offline_copy_has_the_clients_contacts_and_numbers_and_is_never_cached(client,
                                                                                  alice):
    assert client.get("/help/offline-copy").status_code == 302  # signed out: sign in
    login(client, alice)
    add(client, texting="y", note="Mon-Fri 9-5")
    response = client.get("/help/offline-copy")
    assert response.headers["Cache-Control"] == "no-store"
    copy = response.json
    assert copy["danger_sentence"] == "If you or someone else is in danger now, call 999 or 112."
    assert [n["tel"] for n in copy["numbers"]] == ["999", "112"]
    assert copy["contacts"] == [{
        "id": copy["contacts"][0]["id"], "kind": "prescriber", "kind_label": "Prescriber",
        "name": "Dr Lee", "phone": "+44 20 7946 0000", "tel": "+442079460000",
        "texting": True, "note": "Mon-Fri 9-5"}]


def test_the_offline_help_page_names_nobody_and_is_precached(client, alice):
    anonymous = client.get("/help/offline")
    assert anonymous.status_code == 200 and "Set-Cookie" not in anonymous.headers
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    body = anonymous.get_data(as_text=True)
    assert LOCAL_NUMBER in html.unescape(body) and "tend-user" not in body
    login(client, alice)
    add(client)
    signed_in = client.get("/help/offline").get_data(as_text=True)
    assert "Dr Lee" not in signed_in and alice.email not in signed_in
    worker = client.get("/sw.js").get_data(as_text=True)
    assert '"offlinePages": {"/help": "/help/offline"' in worker


# --- Supporters ------------------------------------------------------------------------------

MARKER = "MK-HELP-CONTACT"


@pytest.fixture
def alice_with_a_contact(client, clock, alice):
    clock.set(NOW)
    login(client, alice)
    add(client, kind="trusted_person", name=MARKER, phone="07700 900123", note="MK-HELP-NOTE")
    return alice


@pytest.mark.parametrize("supporter", ["bob", "carol"])
def test_a_supporter_sees_the_contacts_only_with_their_grant(app, client, alice_with_a_contact,
                                                            supporter, request):
    person = request.getfixturevalue(supporter)
    care_link = link(alice_with_a_contact, person, [Category.SLEEP])
    as_supporter = app.test_client()
    login(as_supporter, person)
    path = f"/care/clients/{alice_with_a_contact.id}"
    without = page(as_supporter, path)
    assert MARKER not in without and "MK-HELP-NOTE" not in without
    preview = page(client, f"/sharing/people/{care_link.id}/preview")  # "see as"
    assert "Preview: this is exactly what" in preview and MARKER not in preview

    care_link.grants.append(Grant(category=Category.CONTACTS, from_date=FROM_DAY,
                                  created_at=NOW))
    db.session.commit()
    with_grant = page(as_supporter, path)
    assert MARKER in with_grant and "MK-HELP-NOTE" in with_grant
    assert 'href="tel:07700900123"' in with_grant
    assert MARKER in page(client, f"/sharing/people/{care_link.id}/preview")
    views = db.session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.action == LogAction.VIEW, AccessLogEntry.viewer_id == person.id)
        .order_by(AccessLogEntry.id)).all()
    assert [v.categories for v in views] == [["sleep"], ["sleep", "contacts"]]
    log = page(client, "/sharing/log")
    assert "Saw: Sleep, Help contacts" in log


def test_the_client_can_share_help_contacts_from_the_sharing_page(app, client, clock,
                                                                 alice_with_a_contact, bob):
    care_link = link(alice_with_a_contact, bob)
    form = page(client, f"/sharing/people/{care_link.id}")
    assert "Help contacts" in form and 'name="share_contacts"' in form
    response = client.post(f"/sharing/people/{care_link.id}", data={
        "share_contacts": "y", "csrf_token": csrf_token(client, f"/sharing/people/{care_link.id}")})
    assert response.status_code == 302
    as_bob = app.test_client()
    login(as_bob, bob)
    assert MARKER in page(as_bob, f"/care/clients/{alice_with_a_contact.id}")


def test_contacts_shared_from_a_later_day_are_not_shown_before_it(app, clock,
                                                                 alice_with_a_contact, bob):
    link(alice_with_a_contact, bob, [Category.SLEEP, Category.CONTACTS],
         from_date=NOW.date().replace(day=NOW.day + 2))
    as_bob = app.test_client()
    login(as_bob, bob)
    assert MARKER not in page(as_bob, f"/care/clients/{alice_with_a_contact.id}")
    clock.advance(days=2)
    login(as_bob, bob)
    assert MARKER in page(as_bob, f"/care/clients/{alice_with_a_contact.id}")


# --- The migration ----------------------------------------------------------------------------

def test_0015_lets_grants_hold_help_contacts_and_takes_them_back_on_downgrade(tmp_path):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, "m0015"))
    insert = sa.text("INSERT INTO grants (care_link_id, category, created_at) "
                     "VALUES (1, :category, '2026-03-01 09:00:00')")
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, email, display_name, role, timezone, locale, "
                "password_hash, created_at) VALUES (1, 'a@x', 'A', 'client', 'UTC', 'en', "
                "'x', '2026-03-01 09:00:00'), (2, 'b@x', 'B', 'therapist', 'UTC', 'en', 'x', "
                "'2026-03-01 09:00:00')"))
            conn.execute(sa.text(
                "INSERT INTO care_links (id, client_id, supporter_id, role, status, "
                "invitee_name, expires_at, created_at) VALUES (1, 1, 2, 'therapist', 'active', "
                "'B', '2026-03-08 09:00:00', '2026-03-01 09:00:00')"))
            conn.execute(insert, {"category": "sleep"})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(insert, {"category": "contacts"})
        upgrade(revision="0015")
        with db.engine.begin() as conn:
            conn.execute(insert, {"category": "contacts"})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(insert, {"category": "everything"})
        downgrade(revision="0014")
        with db.engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT category FROM grants")).scalars().all()
        assert kept == ["sleep"]  # the sharing and its link survive the table rebuild
        downgrade(revision="base")
        db.engine.dispose()
