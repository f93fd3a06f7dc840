"""A medication change treated as an experiment, in a real browser at phone size: set it up,
reach the checkpoint (the test moves the clock), read the before/after figures, give a
verdict; then questions, and the one-page appointment summary."""
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from playwright.sync_api import expect

from models import MedicationKind, User, db
from tend.services import journal, medications
from tests.browser.helpers import assert_looks_finished

CHANGE_DAY = date(2026, 3, 2)


def _demo_like_record(person) -> None:
    """Sertraline 50 mg since January, raised to 100 mg on CHANGE_DAY; a month of check-ins
    before (lower mood, shorter sleep) and two weeks after, with a few days not logged."""
    client = db.session.get(User, person.id)
    start = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    med, _ = medications.create_medication(
        db.session, client, name="Sertraline", form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=medications.RegimenSpec(amount=Decimal(1), strength=Decimal(50), strength_unit="mg",
                                     times=["08:00"]),
        started_on=date(2026, 1, 5), now=start)
    medications.change_regimen(
        db.session, client, med,
        medications.RegimenSpec(amount=Decimal(1), strength=Decimal(100), strength_unit="mg",
                                times=["08:00"]),
        datetime(2026, 3, 2, 0, tzinfo=timezone.utc), datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
        note="Agreed with Dr Lee")
    now = datetime(2026, 3, 20, 9, tzinfo=timezone.utc)
    for offset in range(1, 29):
        day = CHANGE_DAY - timedelta(days=offset)
        if offset % 7 != 3:  # a few days not logged
            journal.save_checkin(db.session, client, day,
                                 {"mood": 2, "sleep_hours": Decimal("5.5"), "energy": 2}, now)
    for offset in range(0, 14):
        journal.save_checkin(db.session, client, CHANGE_DAY + timedelta(days=offset),
                             {"mood": 4 if offset > 3 else 3, "sleep_hours": Decimal("7.0"),
                              "energy": 3}, now)
    db.session.commit()


def _sign_in(page, base, person):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()


def test_an_experiment_reaches_its_checkpoint_and_the_client_gives_their_view(
        page, live_server, alice, clock):
    _demo_like_record(alice)
    clock.set(datetime(2026, 3, 3, 18, tzinfo=timezone.utc))  # the day after the change
    _sign_in(page, live_server, alice)

    page.goto(f"{live_server}/experiments")
    expect(page.get_by_role("heading", name="No experiments yet")).to_be_visible()
    page.get_by_role("link", name="New experiment").click()
    expect(page.get_by_label("Look back on").first).to_have_value("2026-03-17")  # 2 weeks on
    page.get_by_label("Name this experiment").fill("Sertraline 50 to 100 mg")
    page.get_by_label("Which medication? (optional)").select_option(label="Sertraline")
    page.get_by_label("The day the change starts").fill("2026-03-02")
    page.get_by_label("The day the change starts").dispatch_event("change")
    expect(page.get_by_label("Look back on").first).to_have_value("2026-03-16")
    page.get_by_label("What do you hope will change?").fill("Fewer low days, and sleeping "
                                                            "through the night.")
    page.get_by_label("What worries you about it? (optional)").fill("Feeling jittery.")
    page.get_by_label("Mood").check()
    page.get_by_label("Hours of sleep").check()
    page.get_by_label("A side effect to watch (optional)").fill("jitteriness")
    assert_looks_finished(page, "decisions-experiment-new")
    page.get_by_role("button", name="Set up the experiment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sertraline 50 to 100 mg")
    expect(page.get_by_text("Coming up").first).to_be_visible()
    assert_looks_finished(page, "decisions-experiment")

    # Two weeks later the first checkpoint has come.
    clock.set(datetime(2026, 3, 16, 9, tzinfo=timezone.utc))
    page.reload()
    page.get_by_role("link", name="Look back").first.click()
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible()
    table = page.get_by_role("table")
    mood = table.get_by_role("row", name="Mood")
    expect(mood).to_contain_text("2.0 of 5")
    expect(mood).to_contain_text("12 of 14 days logged")
    expect(mood).to_contain_text("3.7 of 5")
    expect(mood).to_contain_text("14 of 14 days logged")
    expect(table.get_by_role("row", name="Hours of sleep")).to_contain_text("5.5 h")
    # Not logged as a side effect on days with a check-in: 0 (none) on those days.
    expect(table.get_by_role("row", name="Side effect: jitteriness")).to_contain_text(
        "0.0 of 3")
    expect(page.get_by_role("img", name="Mood")).to_be_visible()
    assert_looks_finished(page, "decisions-checkpoint")

    page.get_by_label("It seems to be helping").check()
    page.get_by_label("What would you like to talk about next? (optional)").fill(
        "Keep going as is, and ask about the morning jitters.")
    page.get_by_role("button", name="Save my view").click()
    expect(page.get_by_text("Saved. Your answer and these figures stay with the experiment.")) \
        .to_be_visible()
    expect(page.locator(".facts")).to_contain_text("It seems to be helping")
    assert_looks_finished(page, "decisions-checkpoint-done")

    # Questions for the appointment, then the one-page summary.
    page.goto(f"{live_server}/appointment")
    page.get_by_label("A question for your next appointment").fill(
        "Is it fine to take it at night instead?")
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("A question for your next appointment").fill("How long should I stay on 100 mg?")
    page.get_by_role("button", name="Add question").click()
    page.get_by_role("button", name=re.compile(r"^Mark as asked\W+Is it fine")).click()
    expect(page.locator("#questions")).to_contain_text("Asked")
    page.get_by_label("A goal for your care").fill("Back to full days at work")
    page.get_by_role("button", name=re.compile(r"^Add\W+Goals$")).click()
    page.get_by_label("A decision you're weighing").fill("Whether to stay on 100 mg")
    page.get_by_role("button", name="Add decision").click()
    page.get_by_label("A reason for").fill("Sleeping better")
    page.get_by_role("button", name=re.compile(r"^Add\W+For\W+Whether to stay")).click()
    expect(page.locator(".balance")).to_contain_text("Sleeping better")
    assert_looks_finished(page, "decisions-appointment")

    page.get_by_role("link", name="Prepare for my appointment").click()
    summary = page.locator(".summary")
    expect(summary).to_contain_text("How long should I stay on 100 mg?")
    expect(summary).to_contain_text("Back to full days at work")
    expect(summary).to_contain_text("Sertraline")
    expect(summary).to_contain_text("100 mg")
    expect(summary).to_contain_text("It seems to be helping")
    expect(summary).to_contain_text("Sleeping better")
    assert_looks_finished(page, "decisions-summary")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.emulate_media(media="screen")


def test_your_data_and_account_recovery_pages_look_finished(page, live_server, alice, clock):
    _demo_like_record(alice)
    clock.set(datetime(2026, 3, 20, 9, tzinfo=timezone.utc))
    _sign_in(page, live_server, alice)
    page.goto(f"{live_server}/my-data")
    expect(page.get_by_role("link", name="Download ZIP")).to_be_visible()
    expect(page.get_by_text("Import works only into an account with no records yet")) \
        .to_be_visible()
    assert_looks_finished(page, "export-overview")
    page.get_by_role("link", name="Delete account…").click()
    page.get_by_role("button", name="Delete my account and everything in it").click()
    expect(page.get_by_label("Your password")).to_have_accessible_description(
        "To be sure it's you. Enter your password.")
    assert_looks_finished(page, "account-delete")
    page.get_by_role("link", name="Keep my account").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(alice.email)
    assert_looks_finished(page, "forgot-password")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    assert_looks_finished(page, "forgot-password-sent")
