"""The first week's screens at phone size (issue 16, parts 2-4): Insights for a three-day-old
record explains instead of drawing empty charts, and merges two changes on one day into one
numbered mark; the reminder settings save in one submit; sharing shows the from/until days
only for ticked categories."""
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from playwright.sync_api import expect

from models import CheckIn, MedicationKind, ReminderSettings, User, db
from tend.services import medications, schedule
from tests.browser.helpers import assert_accessible, assert_looks_finished
from tests.browser.pwa_helpers import sign_in
from tests.sharing_world import NOW, link

UTC = timezone.utc
TODAY = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def add_medication(client: User, name: str, started: date, strength=50):
    medications.create_medication(
        db.session, client, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=medications.RegimenSpec(amount=Decimal(1), strength=Decimal(strength),
                                     strength_unit="mg", times=["08:00"]),
        started_on=started, now=TODAY,
        tracking_from=schedule.start_of_local_day(started, client.timezone))


def check_in(client: User, day: date, mood: int):
    db.session.add(CheckIn(client_id=client.id, local_date=day, note="", mood=mood,
                           sleep_hours=Decimal(7), created_at=TODAY, updated_at=TODAY))


def test_a_three_day_old_record_reads_as_an_explanation(page, live_server, alice, clock):
    clock.set(TODAY)
    client = db.session.get(User, alice.id)
    add_medication(client, "Sertraline", date(2026, 6, 8))
    for day in (8, 9, 10):
        check_in(client, date(2026, 6, day), mood=3)
    db.session.commit()
    sign_in(page, live_server, alice)

    page.goto(f"{live_server}/insights")
    expect(page.locator("svg.chart-svg")).to_have_count(0)
    expect(page.get_by_text("Charts appear here once there are entries on 5 days")).to_be_visible()
    mood = page.locator("section", has=page.get_by_role("heading", name="Mood"))
    expect(mood.locator(".chart-pending")).to_contain_text("So far: 3 days.")
    assert_looks_finished(page, "insights-three-day-old-record")
    assert_accessible(page)


def test_two_changes_on_one_day_share_one_mark(page, live_server, alice, clock):
    clock.set(TODAY)
    client = db.session.get(User, alice.id)
    add_medication(client, "Sertraline", date(2026, 5, 25))
    add_medication(client, "Quetiapine", date(2026, 5, 25), strength=25)
    for n in range(17):
        check_in(client, date(2026, 5, 25) + timedelta(days=n), mood=2 + n % 3)
    db.session.commit()
    sign_in(page, live_server, alice)

    page.goto(f"{live_server}/insights")
    mood = page.get_by_role("img", name="Mood")
    expect(mood.locator(".chart-marker-label")).to_have_count(1)
    expect(mood.locator(".chart-marker-label")).to_have_text("1")
    description = mood.locator("desc").text_content()
    assert "Started Quetiapine; Started Sertraline" in description
    changes = page.locator(".insights-markers > li")
    expect(changes).to_have_count(1)
    expect(changes).to_contain_text("Started Quetiapine")
    expect(changes).to_contain_text("Started Sertraline")
    mood.scroll_into_view_if_needed()
    assert_looks_finished(page, "insights-two-changes-one-mark")


def test_reminder_settings_save_in_one_submit(page, live_server, alice, carol, clock):
    clock.set(NOW)
    client = db.session.get(User, alice.id)
    add_medication(client, "Sertraline", NOW.date())
    link(alice, carol)
    db.session.commit()
    sign_in(page, live_server, alice)

    page.goto(f"{live_server}/reminders")
    form = page.locator("form[data-reminder-settings]")
    expect(form.get_by_role("button")).to_have_count(1)
    form.get_by_label("Quiet from").fill("22:00")
    form.get_by_label("Quiet until").fill("07:00")
    form.get_by_label("Remind once more after").select_option(label="1 hour")
    form.get_by_label("Remind me to check in").check()
    form.get_by_label("Reminder time").fill("20:30")
    form.get_by_label("Pause alerts for now").check()
    assert_looks_finished(page, "reminder-settings-one-form")
    assert_accessible(page)
    form.get_by_role("button", name="Save reminder settings").click()

    expect(page.get_by_text("Your reminder settings are saved.")).to_be_visible()
    db.session.expire_all()
    settings = db.session.get(ReminderSettings, alice.id)
    assert (settings.quiet_start, settings.quiet_end, settings.repeat_delay_minutes) == (
        time(22), time(7), 60)
    expect(page.get_by_label("Pause alerts for now")).to_be_checked()
    expect(page.get_by_label("Reminder time")).to_have_value("20:30")


def test_sharing_shows_dates_only_for_ticked_categories(page, live_server, alice, bob, clock):
    clock.set(NOW)
    care_link = link(alice, bob)
    sign_in(page, live_server, alice)

    page.goto(f"{live_server}/sharing/people/{care_link.id}")
    expect(page.locator(".sharing-summary")).to_have_text(
        re.compile(r"sees nothing of yours yet"))
    expect(page.get_by_label("From (optional)").first).to_be_hidden()
    sleep = page.locator("fieldset.grant", has=page.get_by_label("Sleep", exact=True))
    sleep.get_by_label("Sleep", exact=True).check()
    expect(sleep.get_by_label("From (optional)")).to_be_visible()
    mood = page.locator("fieldset.grant", has=page.get_by_label("Mood", exact=True))
    expect(mood.get_by_label("From (optional)")).to_be_hidden()
    sleep.get_by_label("From (optional)").fill("2026-03-01")
    assert_looks_finished(page, "sharing-dates-for-ticked-only")
    page.get_by_role("button", name="Save what I share").click()

    expect(page.locator(".sharing-summary")).to_have_text(
        re.compile(r"sees: Sleep, from Mar 1, 2026\."))
    expect(sleep.get_by_label("From (optional)")).to_have_value("2026-03-01")
    page.locator(".sharing-summary").scroll_into_view_if_needed()
    assert_looks_finished(page, "sharing-summary")
