"""The client's record without a connection, in real Chromium with the real service worker:
Today kept on the phone, entries queued offline and sent exactly once, refusals kept for the
client, and nothing of one client left for the next."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import request
from playwright.sync_api import expect
from sqlalchemy import func, select

from models import CheckIn, DoseEvent, Medication, SideEffect, db
from tests.browser.helpers import assert_looks_finished, screenshot
from tests.browser.pwa_helpers import (offline_database, sign_in, wait_for_kept_today,
                                       wait_for_shell, wait_for_worker, wait_until)
from tests.records import add_medication

# Noon, so no dose tapped below is hours ahead of its time (Taken would ask first).
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)

def count(model, **where) -> int:
    db.session.commit()  # a fresh snapshot: the server wrote in its own transactions
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def open_today_offline(page, live_server, person):
    """Sign in, let the worker and the kept copy of Today settle, then lose the connection
    and reload: the worker answers with the offline page."""
    sign_in(page, live_server, person)
    page.goto(f"{live_server}/today")
    wait_for_worker(page)
    wait_for_kept_today(page)
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    page.wait_for_selector("html[data-offline-ready]", state="attached")


def submit_twice(page, selector: str) -> None:
    """The same entry sent twice, as a double tap would."""
    page.eval_on_selector(selector, "form => { form.requestSubmit(); form.requestSubmit(); }")


@pytest.fixture
def lost_answers(app):
    """The first answer to each listed API path is lost after the server has saved the entry,
    as when the connection drops mid-request: the phone has to send it again."""
    paths, seen = {"/api/v1/doses"}, set()

    @app.after_request
    def lose_first_answer(response):
        if request.method == "POST" and request.path in paths and request.path not in seen:
            seen.add(request.path)
            return app.response_class("lost", status=502)
        return response

    return seen


def test_entries_made_offline_are_sent_exactly_once(page, live_server, app, alice, lost_answers,
                                                    fixed_time):
    add_medication(alice, fixed_time(NOON), name="Sertraline", times=("08:00", "20:00"))
    open_today_offline(page, live_server, alice)

    doses = page.locator("[data-offline-doses] > li")
    expect(doses).to_have_count(2)
    expect(doses.first).to_contain_text(re.compile(r"8:00\sAM"))  # as pages write it
    expect(doses.first).to_contain_text("Sertraline")
    submit_twice(page, "[data-offline-doses] > li:first-child form[data-status=taken]")
    expect(doses.first).to_contain_text("Saved on this phone, waiting to sync")

    page.get_by_text("Record a side effect").click()
    page.get_by_label("What did you notice?").fill("Dry mouth")
    submit_twice(page, "form[data-offline=side-effect]")
    page.get_by_text("Check in", exact=True).click()
    page.locator("form[data-offline=checkin] label.scale-option").filter(
        has=page.locator("input[name=ci-mood][value='4']")).click()
    submit_twice(page, "form[data-offline=checkin]")

    pending = page.locator("[data-offline-pending-list] > li")
    expect(pending).to_have_count(3)
    expect(pending.filter(has_text="Saved on this phone, waiting to sync")).to_have_count(3)
    assert_looks_finished(page, "pwa-offline-today")
    assert len(offline_database(page)["queue"]) == 3
    assert count(DoseEvent, client_id=alice.id) == count(SideEffect, client_id=alice.id) == 0

    before_online = fixed_time(NOON + timedelta(minutes=10))
    page.context.set_offline(False)  # `online`: the first answer is lost, so the dose waits
    wait_until(lambda: lost_answers, "the phone has sent the dose once")
    assert count(DoseEvent, client_id=alice.id) == 1
    # The phone never saw that answer, so it sends the dose again (at once, or when the app
    # opens): the server's idempotency keeps it one dose.
    # Opening the app sends again (a sync that finished meanwhile may reload the page first).
    wait_until(lambda: page.goto(f"{live_server}/today") is not None, "Today opens")
    wait_until(lambda: offline_database(page)["queue"] == {}, "the queue is empty")
    page.wait_for_load_state()

    assert count(DoseEvent, client_id=alice.id) == 1
    event = db.session.scalars(select(DoseEvent).filter_by(client_id=alice.id)).one()
    assert event.occurred_at < before_online  # taken when tapped, not when it was sent
    assert count(SideEffect, client_id=alice.id, symptom="Dry mouth") == 1
    checkin = db.session.scalars(select(CheckIn).filter_by(client_id=alice.id)).one()
    assert checkin.mood == 4
    expect(page.locator("[data-offline-pending]")).to_be_hidden()


def test_an_entry_the_server_refuses_is_shown_to_fix_and_kept(page, live_server, alice,
                                                              fixed_time):
    med = add_medication(alice, fixed_time(NOON), name="Lithium", times=("09:00",))
    open_today_offline(page, live_server, alice)
    page.locator("[data-offline-doses] form[data-status=taken]").first.evaluate(
        "form => form.requestSubmit()")
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)
    db.session.execute(sa.delete(Medication).where(Medication.id == med.id))  # on another device
    db.session.commit()

    page.context.set_offline(False)
    refused = page.locator("[data-offline-pending-list] > li")
    expect(refused).to_contain_text("Tend couldn't save this:")
    screenshot(page, "pwa-offline-refused")
    assert [entry["status"] for entry in offline_database(page)["queue"].values()] == ["rejected"]
    page.goto(f"{live_server}/today")  # still there after the app is opened again
    expect(page.locator("[data-offline-pending-list] > li")).to_contain_text("Lithium")
    page.get_by_role("button", name="Remove from this phone").click()
    expect(page.locator("[data-offline-pending]")).to_be_hidden()
    assert offline_database(page)["queue"] == {}


def test_the_next_client_on_this_phone_sees_nothing_of_the_last(page, live_server, alice, dave):
    add_medication(alice, datetime.now(timezone.utc), name="Quetiapine", times=("22:00",))
    open_today_offline(page, live_server, alice)
    page.locator("[data-offline-doses] form[data-status=skipped]").first.evaluate(
        "form => form.requestSubmit()")
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)

    page.context.clear_cookies()  # Alice's session ends without her signing out
    page.context.set_offline(False)  # the offline page notices and opens Today: signed out
    page.wait_for_url("**/login**")
    sign_in(page, live_server, dave)
    wait_for_shell(page)
    wait_for_kept_today(page)
    kept = offline_database(page)
    assert kept["meta"]["owner"] == str(dave.id)
    assert kept["queue"] == {}
    assert "Quetiapine" not in str(kept)
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    page.wait_for_selector("html[data-offline-ready]", state="attached")
    expect(page.get_by_text("Quetiapine")).to_have_count(0)
    assert count(DoseEvent, client_id=alice.id) == 0


def test_a_dose_logged_on_today_after_the_connection_drops_is_kept_then_sent(
        page, live_server, alice, fixed_time):
    add_medication(alice, fixed_time(NOON), name="Sertraline", times=("08:00",))
    sign_in(page, live_server, alice)
    wait_for_worker(page)
    wait_for_shell(page)
    page.context.set_offline(True)  # no reload: the page that is open keeps working
    page.locator("button.dose-taken").first.click()
    dose = page.locator("[data-planned-dose]").first
    expect(dose).to_contain_text("Saved on this phone, waiting to sync")
    expect(page.locator("[data-offline-pending-list] > li")).to_have_count(1)
    screenshot(page, "pwa-today-pending")
    assert count(DoseEvent, client_id=alice.id) == 0

    page.context.set_offline(False)
    wait_until(lambda: offline_database(page)["queue"] == {}, "the queue is empty")
    assert count(DoseEvent, client_id=alice.id) == 1
    page.wait_for_load_state()
    expect(page.locator("[data-planned-dose]").first).to_contain_text("Taken")
    expect(page.locator("[data-offline-pending]")).to_be_hidden()
