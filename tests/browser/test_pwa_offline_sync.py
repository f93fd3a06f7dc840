"""The record stays true across devices and connectivity, in real Chromium with the real
service worker (issue 11): an offline check-in starts from the saved one and changes only what
was changed; a dose another device logged leaves the queue as done; signing out with unsent
entries sends them or keeps them for the same account only; the offline page notices the
connection by itself; an empty check-in is refused offline; "Taken" far from a dose's time asks
once, online and offline."""
import re
from datetime import date, datetime, timezone

import pytest
from flask import request
from playwright.sync_api import expect
from sqlalchemy import func, select

from models import CheckIn, DoseEvent, DoseStatus, PlannedDose, User, db
from tests.browser.helpers import assert_looks_finished, screenshot
from tests.browser.pwa_helpers import (offline_database, sign_in, wait_for_kept_today,
                                       wait_for_shell, wait_for_worker, wait_until)
from tests.records import add_medication
from tend.services import doses, journal

DAY = date(2026, 3, 10)  # a Tuesday; London is on UTC in March
EMPTY_CHECKIN = "Add at least one answer or a note before saving."
EIGHT_PM = re.compile(r"8:00\s?PM")  # Today writes times as the locale does


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def server_unreachable(app):
    """While the returned set names paths, the server answers them 503 without doing
    anything, as a server that can't be reached would (the phone may still think it is
    online)."""
    paths: set[str] = set()

    @app.before_request
    def unreachable():
        if request.path in paths:
            return app.response_class("unreachable", status=503)
        return None

    return paths


def count(model, **where) -> int:
    db.session.commit()  # a fresh snapshot: the server wrote in its own transactions
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def open_offline_page(page, live_server, person):
    sign_in(page, live_server, person)
    page.goto(f"{live_server}/today")
    wait_for_worker(page)
    wait_for_kept_today(page)
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    page.wait_for_selector("html[data-offline-ready]", state="attached")


def queued_bodies(page) -> list[dict]:
    return [entry["body"] for entry in offline_database(page)["queue"].values()]


def tap_taken_offline(page, time_text: "str | re.Pattern") -> None:
    page.locator("[data-offline-doses] > li").filter(has_text=time_text).get_by_role(
        "button", name="Taken").click()


def scale_option(form, name: str, value: int):
    return form.locator("label.scale-option").filter(
        has=form.page.locator(f"input[name$='{name}'][value='{value}']"))


# --- Item 4: offline edits merge, never erase ----------------------------------------------

def test_an_offline_checkin_starts_from_the_saved_one_and_keeps_its_fields(
        page, live_server, alice, fixed_time):
    now = fixed_time(at(12))
    journal.save_checkin(db.session, db.session.get(User, alice.id), DAY,
                         {"sleep_hours": 7, "mood": 3, "energy": 2, "note": "Slept badly"}, now)
    db.session.commit()
    open_offline_page(page, live_server, alice)

    page.get_by_text("Check in", exact=True).click()
    form = page.locator("form[data-offline=checkin]")
    expect(form.get_by_label("Hours of sleep")).to_have_value("7")
    expect(form.locator("input[name=ci-mood][value='3']")).to_be_checked()
    expect(form.locator("input[name=ci-energy][value='2']")).to_be_checked()
    expect(form.get_by_label("Anything else about today? (optional)")).to_have_value(
        "Slept badly")
    screenshot(page, "pwa-offline-checkin-prefilled")

    scale_option(form, "energy", 4).click()
    form.get_by_label("Anything else about today? (optional)").fill("")  # cleared on purpose
    form.get_by_role("button", name="Save check-in").click()
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)
    [body] = queued_bodies(page)
    # Only what was changed here travels: untouched fields stay absent, a cleared one is null.
    assert body["energy"] == "4" and body["note"] is None
    assert not {"sleep_hours", "mood", "sleep_quality", "work"} & body.keys()
    assert body["base"]["mood"] == 3 and body["edited_at"]

    page.context.set_offline(False)  # needs the server's merge (wt-checkin) to hold
    wait_until(lambda: offline_database(page)["queue"] == {}, "the check-in is sent")
    checkin = db.session.scalars(select(CheckIn).filter_by(client_id=alice.id)).one()
    db.session.refresh(checkin)
    assert (checkin.sleep_hours, checkin.mood, checkin.energy, checkin.note) == (7, 3, 4, "")


def test_a_dose_another_device_logged_leaves_the_queue_as_done(
        page, live_server, alice, fixed_time):
    now = fixed_time(at(9))
    med = add_medication(alice, now, name="Sertraline", times=("08:00",))
    open_offline_page(page, live_server, alice)
    tap_taken_offline(page, "8:00")
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)

    planned = db.session.scalars(select(PlannedDose).filter_by(medication_id=med.id,
                                                               local_date=DAY)).one()
    doses.record(db.session, db.session.get(User, alice.id), medication_id=med.id,
                 planned_dose_id=planned.id, status=DoseStatus.TAKEN, now=now)  # device A
    db.session.commit()

    page.context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    wait_until(lambda: offline_database(page)["queue"] == {}, "the entry leaves the queue")
    expect(page.locator("[data-planned-dose]")).to_contain_text("Taken")
    expect(page.locator("[data-offline-pending]")).to_be_hidden()
    expect(page.locator("[data-offline-pending-list]")).not_to_contain_text("couldn't save")
    assert count(DoseEvent, client_id=alice.id) == 1


# --- Item 4: signing out with unsent entries -----------------------------------------------

def queue_a_dose_the_server_cannot_take(page, live_server, person, server_unreachable):
    """A dose tapped offline on Today that can't be sent once the phone is back online."""
    sign_in(page, live_server, person)
    wait_for_worker(page)
    wait_for_shell(page)
    page.context.set_offline(True)
    page.locator("button.dose-taken").first.click()
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)
    server_unreachable.add("/api/v1/doses")
    page.context.set_offline(False)


def signout_dialog(page):
    return page.get_by_role("dialog")


def test_sign_out_with_unsent_entries_can_send_them_now(
        page, live_server, alice, fixed_time, server_unreachable):
    add_medication(alice, fixed_time(at(9)), name="Sertraline", times=("08:00",))
    queue_a_dose_the_server_cannot_take(page, live_server, alice, server_unreachable)

    page.get_by_role("button", name="Sign out").click()
    dialog = signout_dialog(page)
    expect(dialog).to_contain_text("haven't been sent yet")
    expect(dialog).to_contain_text("couldn't be sent just now")
    assert_looks_finished(page, "pwa-signout-unsent")
    assert count(DoseEvent, client_id=alice.id) == 0

    server_unreachable.clear()
    dialog.get_by_role("button", name="Send them now").click()
    page.wait_for_url("**/login?signed_out=1")
    assert count(DoseEvent, client_id=alice.id) == 1
    assert not offline_database(page) or offline_database(page)["queue"] == {}


def test_unsent_entries_kept_at_sign_out_come_back_for_the_same_account(
        page, live_server, alice, fixed_time, server_unreachable):
    add_medication(alice, fixed_time(at(9)), name="Sertraline", times=("08:00",))
    queue_a_dose_the_server_cannot_take(page, live_server, alice, server_unreachable)

    page.get_by_role("button", name="Sign out").click()
    signout_dialog(page).get_by_role("button", name="Keep them on this phone").click()
    page.wait_for_url("**/login?signed_out=1")
    wait_for_shell(page)
    kept = offline_database(page)
    assert kept["snapshots"] == {} and kept["queue"] == {}  # nothing readable is left
    assert "kept" in kept["meta"] and "Sertraline" not in str(kept)
    assert "08:00" not in str(kept) and str(alice.id) not in str(kept["meta"].get("owner"))

    server_unreachable.clear()
    sign_in(page, live_server, alice)
    wait_for_shell(page)
    wait_until(lambda: count(DoseEvent, client_id=alice.id) == 1, "the kept dose is sent")
    wait_until(lambda: offline_database(page)["queue"] == {}, "the queue is empty")
    assert "kept" not in offline_database(page)["meta"]


def test_unsent_entries_kept_at_sign_out_are_wiped_for_another_account(
        page, live_server, alice, dave, fixed_time, server_unreachable):
    add_medication(alice, fixed_time(at(9)), name="Sertraline", times=("08:00",))
    queue_a_dose_the_server_cannot_take(page, live_server, alice, server_unreachable)
    page.get_by_role("button", name="Sign out").click()
    signout_dialog(page).get_by_role("button", name="Keep them on this phone").click()
    page.wait_for_url("**/login?signed_out=1")
    server_unreachable.clear()

    sign_in(page, live_server, dave)
    wait_for_shell(page)
    kept = offline_database(page)
    assert kept["queue"] == {} and "kept" not in kept["meta"]
    expect(page.locator("[data-offline-pending]")).to_be_hidden()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?signed_out=1")

    sign_in(page, live_server, alice)  # too late: they went when Dave signed in
    wait_for_shell(page)
    page.wait_for_timeout(500)
    assert count(DoseEvent, client_id=alice.id) == 0
    assert offline_database(page)["queue"] == {}


SIGN_OUT_AT_DOM_CONTENT_LOADED = """
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("form.signout button");
  if (button && location.pathname === "/today") { button.click(); }
});
"""


def test_the_sign_out_guard_holds_from_the_moment_the_page_is_interactive(
        page, live_server, alice, fixed_time, server_unreachable):
    add_medication(alice, fixed_time(at(9)), name="Sertraline", times=("08:00",))
    queue_a_dose_the_server_cannot_take(page, live_server, alice, server_unreachable)

    page.add_init_script(SIGN_OUT_AT_DOM_CONTENT_LOADED)
    page.goto(f"{live_server}/today", wait_until="domcontentloaded")
    expect(signout_dialog(page)).to_contain_text("haven't been sent yet")
    assert len(offline_database(page)["queue"]) == 1
    signout_dialog(page).get_by_role("button", name="Stay signed in").click()
    expect(signout_dialog(page)).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")


# --- Item 6: the offline page notices the connection ----------------------------------------

def test_the_offline_page_recovers_by_itself_when_the_server_can_be_reached(
        page, live_server, alice, fixed_time, server_unreachable):
    add_medication(alice, fixed_time(at(9)), name="Sertraline", times=("08:00",))
    open_offline_page(page, live_server, alice)
    tap_taken_offline(page, "8:00")
    waiting = page.locator("[data-offline-pending-list] > li")
    expect(waiting).to_contain_text("Saved on this phone, waiting to sync")

    server_unreachable.update({"/ping", "/api/v1/doses"})
    page.context.set_offline(False)  # the phone is online, the server not yet
    page.wait_for_timeout(1500)
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    screenshot(page, "pwa-offline-server-unreachable")

    server_unreachable.clear()  # no tap: the page's own probe finds the server
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice", timeout=15000)
    expect(page.locator("[data-planned-dose]")).to_contain_text("Taken")
    expect(page.locator("[data-offline-pending]")).to_be_hidden()
    expect(page.locator("[data-planned-dose]")).not_to_contain_text("waiting to sync")
    screenshot(page, "pwa-offline-recovered")
    assert count(DoseEvent, client_id=alice.id) == 1


# --- Item 5: an empty check-in is refused offline ---------------------------------------------

def test_an_empty_checkin_is_refused_offline(page, live_server, alice, fixed_time):
    fixed_time(at(12))
    open_offline_page(page, live_server, alice)
    page.get_by_text("Check in", exact=True).click()
    form = page.locator("form[data-offline=checkin]")
    form.get_by_role("button", name="Save check-in").click()
    expect(form.get_by_role("alert")).to_have_text(EMPTY_CHECKIN)
    screenshot(page, "pwa-offline-checkin-empty")
    assert offline_database(page)["queue"] == {}
    expect(page.locator("[data-offline-pending]")).to_be_hidden()

    scale_option(form, "mood", 4).click()  # one answer is enough
    form.get_by_role("button", name="Save check-in").click()
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)
    expect(form.get_by_role("alert")).to_have_count(0)


# --- Item 7: "Taken" far from the dose's time asks once -----------------------------------------

def test_taken_far_from_the_dose_time_asks_once_on_today(page, live_server, alice, fixed_time):
    add_medication(alice, fixed_time(at(8, 28)), name="Sertraline", times=("08:00", "20:00"))
    sign_in(page, live_server, alice)
    evening = page.locator("[data-planned-dose]").filter(has_text=EIGHT_PM)
    evening.locator("button.dose-taken").click()
    question = evening.get_by_role("alertdialog")
    expect(question).to_contain_text(re.compile(
        r"This is the 8:00\s?PM dose\. Log it as taken now\?"))
    assert_looks_finished(page, "today-taken-far-asks")
    assert count(DoseEvent, client_id=alice.id) == 0

    question.get_by_role("button", name="Log it as taken").click()
    expect(page.locator("[data-planned-dose]").filter(has_text=EIGHT_PM)).to_contain_text(
        "Taken at")
    assert count(DoseEvent, client_id=alice.id) == 1

    morning = page.locator("[data-planned-dose]").filter(has_text=re.compile(r"8:00\s?AM"))
    morning.locator("button.dose-taken").click()  # its own time: no question
    expect(morning).to_contain_text("Taken at")
    assert count(DoseEvent, client_id=alice.id) == 2


def test_taken_far_from_the_dose_time_asks_once_offline(page, live_server, alice, fixed_time):
    add_medication(alice, fixed_time(at(8, 28)), name="Sertraline", times=("08:00", "20:00"))
    open_offline_page(page, live_server, alice)
    tap_taken_offline(page, EIGHT_PM)
    evening = page.locator("[data-offline-doses] > li").filter(has_text=EIGHT_PM)
    question = evening.get_by_role("alertdialog")
    expect(question).to_contain_text(
        re.compile(r"This is the 8:00\sPM dose\. Log it as taken now\?"))  # as Today asks
    screenshot(page, "pwa-offline-taken-far-asks")
    assert offline_database(page)["queue"] == {}

    question.get_by_role("button", name="Not now").click()
    expect(question).to_be_hidden()
    assert offline_database(page)["queue"] == {}
    tap_taken_offline(page, EIGHT_PM)
    question.get_by_role("button", name="Log it as taken").click()
    expect(evening).to_contain_text("Saved on this phone, waiting to sync")
    [body] = queued_bodies(page)
    assert body["status"] == "taken" and "confirm_far" not in body


def test_a_field_changed_on_both_devices_keeps_the_later_change_and_says_so(
        page, live_server, alice, fixed_time):
    now = fixed_time(at(12))
    client = db.session.get(User, alice.id)
    journal.save_checkin(db.session, client, DAY, {"mood": 3, "sleep_hours": 7}, now)
    db.session.commit()
    open_offline_page(page, live_server, alice)
    page.get_by_text("Check in", exact=True).click()
    form = page.locator("form[data-offline=checkin]")
    scale_option(form, "mood", 4).click()  # this phone, offline, at 12:00
    form.get_by_role("button", name="Save check-in").click()
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)

    # The other device changes mood later; this phone syncs after that (the server's merge,
    # wt-checkin, keeps the later change and names the field in `conflicts`).
    journal.save_checkin(db.session, client, DAY, {"mood": 2}, at(12, 5))
    db.session.commit()
    fixed_time(at(12, 10))
    page.context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    notice = page.locator("[data-offline-also-changed]")
    expect(notice).to_contain_text(
        "Mood was also changed on another device; the later change was kept.")
    screenshot(page, "pwa-checkin-also-changed")
    notice.get_by_role("button", name="OK").click()
    expect(notice).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    expect(notice).to_be_hidden()  # told once
    checkin = db.session.scalars(select(CheckIn).filter_by(client_id=alice.id)).one()
    db.session.refresh(checkin)
    assert (checkin.mood, checkin.sleep_hours) == (2, 7)
