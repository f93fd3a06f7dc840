"""The key flows in WebKit (every browser on an iPhone) and Firefox, besides Chromium: sign in
and Today; a dose taken, one skipped with a reason, undo; a check-in and a side effect with
their validation messages; a dose and a check-in made with no connection, sent exactly once
when it returns; what sign-out clears; a therapist's client page and prescriber update."""
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import Category, CheckIn, DoseEvent, DoseStatus, PlannedDose, User, db
from tests.browser.helpers import SCREENSHOTS
from tests import sharing_world
from tests.browser.pwa_helpers import (CACHE_CONTENTS, KEPT_OFFLINE_PAGE_LANGUAGES,
                                       LOOK_FOR_A_NEW_VERSION, OFFLINE_DATABASE)
from tests.engines.drivers import DESKTOP
from tests.records import add_medication
from tend.services import journal


# What the worker may keep after sign-out: the offline pages, which name nobody.
PAGES_THAT_NAME_NOBODY = ("/offline", "/help/offline", "/help/plan/offline")


def screenshot(browser, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(SCREENSHOTS / f"{browser.engine}-{name}.png")


def page_text(browser) -> str:
    return browser.run("return document.body.innerText")


def wait_for_text(browser, text: str, seconds: float = 20) -> None:
    browser.wait_for(f"return document.body.innerText.includes({json.dumps(text)})",
                     f"the text {text!r}", seconds)


def sign_in(browser, server, person) -> None:
    browser.goto(f"{server.url}/login")
    browser.fill("input[name=email]", person.email)
    browser.fill("input[name=password]", person.password)
    browser.click("form button[type=submit]", navigates=True)
    wait_for_text(browser, "Sign out")


def count(model, **where) -> int:
    db.session.commit()  # a fresh snapshot: the server wrote in its own transactions
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def client_here(alice, midday_zone):
    """Alice, living in the zone where it is now midday (browsers keep real time)."""
    db.session.get(User, alice.id).timezone = midday_zone
    db.session.commit()
    return alice


def local_time(zone: str, **delta) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).astimezone(
        ZoneInfo(zone)).strftime("%H:%M")


def test_sign_in_and_today_at_phone_size(open_browser, server, client_here):
    browser = open_browser()
    sign_in(browser, server, client_here)
    assert "Hello, Alice" in page_text(browser)
    size = browser.run("return [innerWidth, innerHeight, "
                       "document.documentElement.scrollWidth]")
    assert size[:2] == [390, 844] and size[2] <= 390, size
    screenshot(browser, "today")


def planned_ids(med, zone: str) -> list[int]:
    """Today's planned doses of ``med``, earliest first."""
    db.session.commit()
    return list(db.session.scalars(
        select(PlannedDose.id).filter_by(medication_id=med.id,
                                         local_date=datetime.now(ZoneInfo(zone)).date())
        .order_by(PlannedDose.due_at)))


@pytest.fixture
def two_doses_ago(client_here, midday_zone):
    """Sertraline planned 90 and 45 minutes ago, not logged yet."""
    now = datetime.now(timezone.utc)
    med = add_medication(client_here, now, name="Sertraline",
                         times=sorted({local_time(midday_zone, minutes=-90),
                                       local_time(midday_zone, minutes=-45)}))
    return med


def dose_text(browser, planned_id: int) -> str:
    return browser.run(f"return document.getElementById('dose-{planned_id}').innerText")


def wait_for_dose(browser, planned_id: int, text: str) -> None:
    browser.wait_for(f"const li = document.getElementById('dose-{planned_id}');"
                     f"return li && li.innerText.includes({json.dumps(text)})",
                     f"dose {planned_id} to say {text!r}")


def test_take_skip_with_a_reason_and_undo(open_browser, server, client_here, two_doses_ago,
                                          midday_zone):
    first, second = planned_ids(two_doses_ago, midday_zone)
    browser = open_browser()
    sign_in(browser, server, client_here)
    browser.click(f"#dose-{first} button.dose-taken", navigates=True)
    wait_for_dose(browser, first, "Taken at")

    browser.click(f"#dose-{second} details:nth-of-type(2) summary")
    browser.click(f"#dose-{second} label.choice:has(input[value=side_effects])")
    browser.fill(f"#dose-{second} input[name=note]", "Felt sick after the last one")
    browser.click(f"#dose-{second} details:nth-of-type(2) button[type=submit]", navigates=True)
    wait_for_dose(browser, second, "Skipped")
    assert "Because of side effects" in dose_text(browser, second)
    screenshot(browser, "today-logged")
    db.session.commit()  # a fresh snapshot
    events = {event.planned_dose_id: event for event in db.session.scalars(
        select(DoseEvent).filter_by(client_id=client_here.id))}
    assert events[first].status is DoseStatus.TAKEN
    assert (events[second].status, events[second].note) == (
        DoseStatus.SKIPPED, "Felt sick after the last one")

    browser.click(f"#dose-{first} form.dose-actions button[type=submit]", navigates=True)
    browser.wait_for(f"return !!document.querySelector('#dose-{first} button.dose-taken')",
                     "the undone dose to offer Taken again")
    assert count(DoseEvent, client_id=client_here.id) == 1


def field_error(browser, name: str) -> str:
    return browser.wait_for(
        f"const input = document.querySelector('[name={name}]');"
        "const field = input && input.closest('.field');"
        "const error = field && field.querySelector('.field-error');"
        "return error ? error.innerText : ''", f"a message at the field {name}")


def test_check_in_and_side_effect_with_their_messages(open_browser, server, client_here):
    browser = open_browser()
    sign_in(browser, server, client_here)
    browser.goto(f"{server.url}/checkin")
    browser.click("form.checkin-form button[type=submit]", navigates=True)
    wait_for_text(browser, "Add at least one answer or a note before saving.")
    browser.fill("input[name=sleep_hours]", "30")
    browser.click("label.scale-option:has(input[name=mood][value='2'])")
    browser.click("form.checkin-form button[type=submit]", navigates=True)
    assert "24" in field_error(browser, "sleep_hours")
    assert browser.run("return document.querySelector('input[name=mood][value=\"2\"]').checked")
    screenshot(browser, "checkin-message")
    browser.fill("input[name=sleep_hours]", "7.5")
    browser.click("form.checkin-form button[type=submit]", navigates=True)
    wait_for_text(browser, "Check-in saved.")
    checkin = db.session.scalars(select(CheckIn).filter_by(client_id=client_here.id)).one()
    assert (checkin.sleep_hours, checkin.mood) == (7.5, 2)

    browser.goto(f"{server.url}/side-effects/new")
    browser.fill("[name=note]", "Since lunch")
    browser.click("form[data-offline=side-effect] button[type=submit]", navigates=True)
    assert field_error(browser, "symptom") == "Describe the side effect in a few words."
    assert browser.run("return document.querySelector('[name=note]').value") == (
        "Since lunch")
    screenshot(browser, "side-effect-message")
    browser.fill("input[name=symptom]", "headache")
    browser.click("label.choice:has(input[name=severity][value=severe])")
    browser.click("form[data-offline=side-effect] button[type=submit]", navigates=True)
    wait_for_text(browser, "Contact your prescriber soon")
    screenshot(browser, "side-effect-severe")


def test_reminders_page_says_when_this_browser_cannot_receive_them(open_browser, server,
                                                                     client_here):
    browser = open_browser()
    sign_in(browser, server, client_here)
    browser.goto(f"{server.url}/reminders")
    has_push = browser.run("return 'PushManager' in window")
    if has_push:  # Firefox: the offer to turn them on
        browser.wait_for("return !document.querySelector('[data-push-setup]').hidden",
                         "the offer to turn on reminders")
    else:  # WebKitGTK has no Push API at all
        wait_for_text(browser, "This browser can't receive reminders.")
    screenshot(browser, "reminders")


def wait_for_offline_copy(browser) -> None:
    """The worker controls the page and Today is kept on this phone for offline use."""
    browser.run("return TendShell.ready.then(() => true)")
    # Installing fetches the app shell and offline pages; on a loaded 2-core machine WebKit
    # once took over 20 s to finish, so this waits longer than the usual 20 s.
    browser.wait_for("return navigator.serviceWorker.controller !== null",
                     "the service worker to control the page", seconds=60)
    browser.wait_for("return TendOffline.snapshot('today').then(Boolean)",
                     "Today to be kept on this phone", seconds=60)


def pending(browser) -> int:
    return browser.run("return document.querySelectorAll("
                       "'[data-offline-pending-list] > li').length")


def test_entries_made_with_no_connection_are_sent_once_when_it_returns(
        open_browser, server, client_here, midday_zone):
    now = datetime.now(timezone.utc)
    med = add_medication(client_here, now, name="Sertraline",
                         times=(local_time(midday_zone, minutes=-45),))
    journal.save_checkin(db.session, db.session.get(User, client_here.id),
                         datetime.now(ZoneInfo(midday_zone)).date(),
                         {"sleep_hours": 7, "mood": 3, "energy": 2, "note": "Slept badly"}, now)
    db.session.commit()
    browser = open_browser()
    sign_in(browser, server, client_here)
    wait_for_offline_copy(browser)

    server.stop()
    browser.run("location.reload()")
    wait_for_text(browser, "No connection just now")
    browser.wait_for("return document.documentElement.hasAttribute('data-offline-ready')",
                     "the offline page to be ready")
    browser.click("[data-offline-doses] form[data-status=taken] button")
    browser.wait_for("return document.querySelectorAll('[data-offline-pending-list] > li')"
                     ".length === 1", "the dose to wait on this phone")
    browser.click("details.offline-form:has(form[data-offline=checkin]) summary")
    # The check-in starts from the one saved online; only energy changes here.
    browser.wait_for("return document.querySelector('input[name=ci-mood][value=\"3\"]').checked",
                     "the offline check-in to start from the saved one")
    browser.click("label.scale-option:has(input[name=ci-energy][value='4'])")
    browser.click("form[data-offline=checkin] button[type=submit]")
    browser.wait_for("return document.querySelectorAll('[data-offline-pending-list] > li')"
                     ".length === 2", "the check-in to wait on this phone")
    screenshot(browser, "offline-pending")
    assert count(DoseEvent, client_id=client_here.id) == 0

    server.start()  # the offline page notices by itself and sends what waited
    browser.wait_for("return TendOffline.entries().then(list => list.length === 0)",
                     "the queue to be sent", seconds=40)
    browser.goto(f"{server.url}/today")
    wait_for_text(browser, "Taken at")
    assert count(DoseEvent, client_id=client_here.id) == 1
    checkin = db.session.scalars(select(CheckIn).filter_by(client_id=client_here.id)).one()
    assert (checkin.sleep_hours, checkin.mood, checkin.energy, checkin.note) == (
        7, 3, 4, "Slept badly")
    assert med.id == db.session.scalars(select(DoseEvent.medication_id)).one()


def test_an_account_in_german_gets_german_offline_pages_with_no_new_version(
        open_browser, server, client_here):
    """The browser asks for English; the worker stays the same version and fetches the offline
    pages again in the account's language, which the page tells it."""
    db.session.get(User, client_here.id).locale = "de"
    db.session.commit()
    browser = open_browser()
    browser.goto(f"{server.url}/login")
    browser.fill("input[name=email]", client_here.email)
    browser.fill("input[name=password]", client_here.password)
    browser.click("form button[type=submit]", navigates=True)
    wait_for_text(browser, "Abmelden")
    wait_for_offline_copy(browser)
    browser.wait_for(f"return ({KEPT_OFFLINE_PAGE_LANGUAGES})()"
                     ".then(found => found.length === 3 && found.every(lang => lang === 'de'))",
                     "the offline pages kept in German", seconds=40)
    assert browser.run(f"return ({LOOK_FOR_A_NEW_VERSION})()") is False
    server.stop()
    browser.run("location.reload()")
    wait_for_text(browser, "Gerade keine Verbindung")
    screenshot(browser, "offline-de")


def test_signing_out_leaves_nothing_of_the_client_on_the_phone(open_browser, server,
                                                                  client_here, midday_zone):
    add_medication(client_here, datetime.now(timezone.utc), name="Quetiapine",
                   times=(local_time(midday_zone, hours=2),))
    browser = open_browser()
    sign_in(browser, server, client_here)
    wait_for_offline_copy(browser)
    assert "Quetiapine" in browser.run(f"return ({OFFLINE_DATABASE})().then(JSON.stringify)")
    browser.click("form.signout button[type=submit]", navigates=True)
    wait_for_text(browser, "You've signed out.")
    browser.run("return TendShell.ready.then(() => true)")
    kept = browser.run(f"return ({OFFLINE_DATABASE})()")
    assert kept in (None, {"meta": {}, "snapshots": {}, "queue": {}}), kept
    for urls in browser.run(f"return ({CACHE_CONTENTS})()").values():
        assert all(url in PAGES_THAT_NAME_NOBODY or url.startswith("/static/") for url in urls), urls
    browser.goto(f"{server.url}/today")
    wait_for_text(browser, "Sign in")
    assert "Quetiapine" not in page_text(browser)


def test_a_therapists_client_page_and_prescriber_update_at_desktop_size(
        open_browser, server, clock, alice, bob):
    clock.set(sharing_world.NOW)  # the server renders these pages: the browser's clock is moot
    sharing_world.seed_record(alice)
    sharing_world.link(alice, bob, [Category.MEDICATIONS, Category.SIDE_EFFECTS, Category.SLEEP])
    link_client = db.session.get(User, alice.id)
    browser = open_browser(DESKTOP)
    sign_in(browser, server, bob)
    browser.goto(f"{server.url}/care/clients/{link_client.id}")
    wait_for_text(browser, sharing_world.CURRENT_MED)
    text = page_text(browser)
    assert sharing_world.MARKERS[Category.SIDE_EFFECTS]["new"] in text
    assert sharing_world.MARKERS[Category.NOTES]["new"] not in text  # not shared
    assert browser.run("return document.documentElement.scrollWidth") <= DESKTOP[0]
    screenshot(browser, "care-client")
    browser.goto(f"{server.url}/care/clients/{link_client.id}/update")
    wait_for_text(browser, "Update for the prescriber: Alice")
    assert sharing_world.MARKERS[Category.QUESTIONS]["new"] not in page_text(browser)
    screenshot(browser, "care-update")
