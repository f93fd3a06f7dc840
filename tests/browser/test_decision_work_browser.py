"""Decision work in a real browser at phone size (390x844): an experiment on a sleep routine
with what to expect and readiness rulers, its checkpoint; a goal linked to sleep hours with
its progress on Insights; a skipped dose with one of the new reasons and History's totals."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from playwright.sync_api import expect

from models import MedicationKind, User, db
from tend.services import journal, medications
from tests.browser.helpers import assert_looks_finished

CHANGE_DAY = date(2026, 3, 2)


def _sign_in(page, base, person):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()


def _sleep_record(person):
    """Two weeks of short nights before CHANGE_DAY, two of longer ones after, one missed."""
    client = db.session.get(User, person.id)
    now = datetime(2026, 3, 20, 9, tzinfo=timezone.utc)  # written as if the days had passed
    for offset in range(1, 15):
        journal.save_checkin(db.session, client, CHANGE_DAY - timedelta(days=offset),
                             {"sleep_hours": Decimal("5.5"), "mood": 2}, now)
    for offset in range(0, 14):
        if offset != 5:
            journal.save_checkin(db.session, client, CHANGE_DAY + timedelta(days=offset),
                                 {"sleep_hours": Decimal("6.5") if offset % 2 else Decimal("7"),
                                  "mood": 3}, now)
    db.session.commit()


def _medication(person, now):
    client = db.session.get(User, person.id)
    med, _ = medications.create_medication(
        db.session, client, name="Sertraline", form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=medications.RegimenSpec(amount=Decimal(1), strength=Decimal(50), strength_unit="mg",
                                     times=["08:00"]),
        started_on=date(2026, 1, 5), now=now)
    db.session.commit()
    return med


def _ruler(page, question: str, number: str):
    page.get_by_role("group", name=question).get_by_label(number, exact=True).check()


def test_a_sleep_routine_experiment_with_what_to_expect_and_rulers_at_its_checkpoint(
        page, live_server, alice, clock):
    start = datetime(2026, 3, 2, 18, tzinfo=timezone.utc)
    _medication(alice, start - timedelta(days=50))
    _sleep_record(alice)
    clock.set(start)
    _sign_in(page, live_server, alice)

    page.goto(f"{live_server}/experiments/new")
    page.get_by_label("Name this experiment").fill("In bed by 11")
    page.get_by_label("A sleep routine").check()
    page.get_by_label("Starting something").check()
    page.get_by_label("Which medication? (optional)").select_option(label="Sertraline")
    page.get_by_label("What do you hope will change?").fill("Less tired in the afternoons.")
    page.get_by_label("Hours of sleep").check()
    page.get_by_label("Look back on").first.fill("2026-03-16")
    page.get_by_label("Agreed with (optional)").fill("Dr Patel")
    page.get_by_label("Agreed on (optional)").fill("2026-02-27")
    _ruler(page, "How important is this to me? (optional)", "8")
    page.get_by_label("Why that number, and not lower? (optional)").fill("I'm exhausted.")
    _ruler(page, "How confident am I that I can do it? (optional)", "4")
    page.get_by_label("What would help it go up a little? (optional)").fill(
        "A reminder at 10.")
    assert_looks_finished(page, "decision-work-strategy-new")
    page.get_by_role("button", name="Set up the experiment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("In bed by 11")
    expect(page.get_by_text("A sleep routine · alongside Sertraline")).to_be_visible()
    expect(page.get_by_text("Trial period and checkpoint dates agreed with Dr Patel")) \
        .to_be_visible()
    page.get_by_role("link", name="Note what to expect").click()
    page.get_by_label("Who said it? (optional)").fill("Dr Patel")
    page.get_by_label("What effects to expect, and when (optional)").fill(
        "Falling asleep faster within 2 weeks.")
    page.get_by_label("By when to expect a difference (optional)").fill("2026-03-16")
    page.get_by_label("Common side effects they mentioned (optional)").fill(
        "A few restless nights at first.")
    page.get_by_label("When to call them (optional)").fill("If I can't sleep at all for 3 nights.")
    assert_looks_finished(page, "decision-work-expect")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Falling asleep faster within 2 weeks.")).to_be_visible()
    assert_looks_finished(page, "decision-work-experiment")

    clock.set(datetime(2026, 3, 16, 19, tzinfo=timezone.utc))  # the checkpoint's day
    page.reload()
    page.get_by_role("link", name="Look back").click()
    expected = page.get_by_role("region", name="What you were told to expect")
    expect(expected).to_contain_text("Falling asleep faster within 2 weeks.")
    expect(expected).to_contain_text("If I can't sleep at all for 3 nights.")
    figures = page.get_by_role("region", name="Before and after")
    expect(figures).to_contain_text("5.5 h")
    expect(figures).to_contain_text("13 of 14 days logged")
    page.get_by_label("Mixed: some better, some worse").check()
    page.get_by_label("What have you noticed? (optional)").fill("Asleep sooner, still tired.")
    _ruler(page, "How important is this to me? (optional)", "9")
    _ruler(page, "How confident am I that I can do it? (optional)", "6")
    page.get_by_label("What would help it go up a little? (optional)").fill(
        "It's easier now it's a habit.")
    assert_looks_finished(page, "decision-work-checkpoint")
    page.get_by_role("button", name="Save my view").click()

    rulers = page.get_by_role("region", name="How important, how confident")
    expect(rulers).to_contain_text("At the start, Mar 2, 2026")
    expect(rulers).to_contain_text("At the checkpoint of Mar 16, 2026")
    expect(rulers).to_contain_text("9 of 10")
    expect(rulers).to_contain_text("It's easier now it's a habit.")
    assert_looks_finished(page, "decision-work-checkpoint-saved")


def test_a_goal_linked_to_sleep_hours_shows_its_progress_on_insights(
        page, live_server, alice, clock):
    now = datetime(2026, 3, 16, 12, tzinfo=timezone.utc)
    _sleep_record(alice)
    clock.set(now)
    _sign_in(page, live_server, alice)

    page.goto(f"{live_server}/appointment")
    goals = page.get_by_role("region", name="Goals")
    goals.get_by_label("A goal for your care").fill("Sleep enough to enjoy the evenings")
    goals.get_by_text("Link it to a measure (optional)").click()
    goals.get_by_label("Which measure?").select_option(label="Hours of sleep")
    goals.get_by_label("Higher").check()
    goals.get_by_label("A target (optional)").fill("7")
    assert_looks_finished(page, "decision-work-goal-new")
    goals.get_by_role("button", name="Add").click()

    page.goto(f"{live_server}/insights")
    progress = page.get_by_role("region", name="Your goals")
    expect(progress).to_contain_text("Sleep enough to enjoy the evenings")
    expect(progress).to_contain_text(
        "Sleep: 6.8 h a night over the last 2 weeks, your goal is 7 h "
        "(logged on 12 of 14 days)")
    assert_looks_finished(page, "decision-work-goal-insights")


def test_a_skip_with_a_new_reason_and_the_totals_per_month_in_history(
        page, live_server, alice, clock):
    now = datetime(2026, 3, 16, 12, tzinfo=timezone.utc)
    _medication(alice, datetime(2026, 2, 1, 6, tzinfo=timezone.utc))
    clock.set(now)
    _sign_in(page, live_server, alice)

    page.goto(f"{live_server}/today")
    page.get_by_text("Skip", exact=True).click()
    expect(page.get_by_label("Because of the cost")).to_be_visible()
    expect(page.get_by_label("I couldn't get it from the pharmacy")).to_be_visible()
    expect(page.get_by_label("I was away from home")).to_be_visible()
    page.get_by_label("I'm worried about it").check()
    page.get_by_label("Note (optional)").last.fill("Read about it online")
    assert_looks_finished(page, "decision-work-skip")
    page.get_by_role("button", name="Skip this dose").click()

    page.goto(f"{live_server}/history")
    totals = page.get_by_role("region", name="Why doses were skipped, by month")
    expect(totals).to_contain_text("March 2026")
    expect(totals.get_by_role("listitem")).to_have_text(["I'm worried about it 1"])
    totals.scroll_into_view_if_needed()
    assert_looks_finished(page, "decision-work-skip-totals")
