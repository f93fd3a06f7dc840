"""Insights: adherence per medication, check-in lines with their gaps, side effects by day,
medication markers, the page with its charts and tables, and a bounded number of queries."""
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask import render_template_string, url_for
from sqlalchemy import event

from bench.sample_record import fill_record
from models import (CheckIn, DoseStatus, MedicationKind, Severity, SideEffect, SkipReason, User,
                    db)
from tend.services import doses, insights, medications, schedule
from tests.conftest import Role, login, make_person
from tests import records

UTC = timezone.utc


def user(person) -> User:
    return db.session.get(User, person.id)


def add_medication(client: User, now: datetime, tracking_from: date, times=("08:00",),
                   name="Sertraline", strength=50, started_on=None):
    med, _ = medications.create_medication(
        db.session, client, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=spec(strength, times), started_on=started_on or tracking_from, now=now,
        tracking_from=schedule.start_of_local_day(tracking_from, client.timezone))
    db.session.commit()
    return med


def spec(strength, times):
    return medications.RegimenSpec(amount=Decimal(1), strength=Decimal(strength),
                                   strength_unit="mg", times=list(times))


def planned_on(client: User, med, day: date, at: str):
    for row in doses.doses_on(db.session, client, day, datetime(2027, 1, 1, tzinfo=UTC)):
        if row.planned.medication_id == med.id and row.planned.local_time.isoformat()[:5] == at:
            return row.planned
    raise AssertionError(f"no dose planned on {day} at {at}")


def log(client, med, planned, status=DoseStatus.TAKEN, taken_at=None, now=None):
    doses.record(db.session, client, medication_id=med.id, planned_dose_id=planned.id,
                 status=status, taken_at=taken_at, now=now or taken_at or planned.due_at,
                 skip_reason=SkipReason.FORGOT if status is DoseStatus.SKIPPED else None)
    db.session.commit()


def checkin(client: User, day: date, **values):
    db.session.add(CheckIn(client_id=client.id, local_date=day, note="",
                           created_at=datetime.now(UTC), updated_at=datetime.now(UTC), **values))
    db.session.commit()


@contextmanager
def statements():
    """Every SQL statement the database is sent inside the block."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# --- Adherence ----------------------------------------------------------------------------

def test_it_counts_taken_late_skipped_missed_and_leaves_out_doses_still_to_come(alice):
    client = user(alice)
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 13:00 in London (summer time)
    med = add_medication(client, now, date(2026, 6, 8), times=("08:00", "20:00"))
    first = planned_on(client, med, date(2026, 6, 8), "08:00")
    log(client, med, first, taken_at=first.due_at + timedelta(minutes=10))
    evening = planned_on(client, med, date(2026, 6, 8), "20:00")
    log(client, med, evening, taken_at=evening.due_at + timedelta(hours=2, minutes=30))
    log(client, med, planned_on(client, med, date(2026, 6, 9), "08:00"), DoseStatus.SKIPPED)
    # 9 June 20:00 never logged: missed. 10 June 08:00 is five hours ago: not logged yet.
    # 10 June 20:00 is still to come and is not counted at all.

    data = insights.build(db.session, client, now, days=7)

    [item] = data.adherence
    assert (item.name, item.on_time, item.late, item.skipped, item.missed, item.not_yet) == \
        ("Sertraline", 1, 1, 1, 1, 1)
    assert (item.taken, item.due) == (2, 5)
    daily = [(day.taken, day.due) if day else None for day in data.daily_doses]
    assert daily == [None, None, None, None, (2, 2), (0, 2), (0, 1)]  # 4 to 10 June


@pytest.mark.parametrize("change_day", [date(2026, 3, 29), date(2026, 10, 25)],
                         ids=["clocks-go-forward", "clocks-go-back"])
def test_a_dose_at_a_time_the_clock_skips_or_repeats_counts_once_on_its_day(alice, change_day):
    client = user(alice)
    now = datetime.combine(change_day + timedelta(days=2), datetime.min.time(), UTC) \
        + timedelta(hours=12)
    med = add_medication(client, now, change_day - timedelta(days=2), times=("01:30",))
    for day in (change_day - timedelta(days=n) for n in range(-2, 3)):
        planned = planned_on(client, med, day, "01:30")
        log(client, med, planned, taken_at=planned.due_at, now=now)

    data = insights.build(db.session, client, now, days=7)

    assert len(data.period.days) == 7
    assert data.period.days[-1] == change_day + timedelta(days=2)
    [item] = data.adherence
    assert (item.on_time, item.due) == (5, 5)


def test_a_dose_at_23_30_local_belongs_to_that_local_day(app):
    person = make_person("nyc@example.com", "Noor", Role.CLIENT, tz="America/New_York")
    client = user(person)
    now = datetime(2026, 1, 12, 4, 50, tzinfo=UTC)  # 23:50 on 11 January in New York
    med = add_medication(client, now, date(2026, 1, 4), times=("23:30",))
    late_evening = planned_on(client, med, date(2026, 1, 11), "23:30")
    assert late_evening.due_at == datetime(2026, 1, 12, 4, 30, tzinfo=UTC)
    log(client, med, late_evening, taken_at=datetime(2026, 1, 12, 4, 40, tzinfo=UTC), now=now)

    data = insights.build(db.session, client, now, days=7)

    assert (data.period.first, data.period.last) == (date(2026, 1, 5), date(2026, 1, 11))
    [item] = data.adherence
    # 5..11 January: seven doses, the one taken at 23:40 on the 11th among them; the dose of
    # the evening of the 4th (04:30 UTC on the 5th) is not.
    assert (item.on_time, item.missed, item.due) == (1, 6, 7)


def test_as_needed_intakes_are_counted_separately(alice):
    client = user(alice)
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    med, _ = medications.create_medication(
        db.session, client, name="Lorazepam", form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=medications.RegimenSpec(as_needed=True, max_per_day=2), started_on=date(2026, 6, 1),
        now=now)
    for hours in (1, 26):
        doses.record(db.session, client, medication_id=med.id, status=DoseStatus.TAKEN,
                     taken_at=now - timedelta(hours=hours), now=now)
    db.session.commit()

    data = insights.build(db.session, client, now, days=7)

    assert data.adherence == []
    assert [(item.name, item.taken) for item in data.as_needed] == [("Lorazepam", 2)]


# --- Check-ins and side effects -------------------------------------------------------------

def test_days_without_a_check_in_are_gaps_not_zeros(alice):
    client = user(alice)
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    today = date(2026, 6, 10)
    for days_ago, mood in ((3, 3), (2, 4), (0, 5)):
        checkin(client, today - timedelta(days=days_ago), mood=mood, sleep_hours=Decimal("7.5"))

    data = insights.build(db.session, client, now, days=7)

    assert data.series["mood"].values == [None, None, None, 3, 4, None, 5]
    assert data.series["sleep_hours"].values == [None, None, None, 7.5, 7.5, None, 7.5]
    assert data.series["energy"].values == [None] * 7  # asked, never answered


def test_side_effects_show_on_each_day_with_the_strongest_severity(alice):
    client = user(alice)
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    today = date(2026, 6, 10)

    def side_effect(symptom, severity, started, ended):
        db.session.add(SideEffect(client_id=client.id, symptom=symptom, severity=severity,
                                  started_on=started, ended_on=ended, note=""))

    side_effect("nausea", Severity.MILD, today - timedelta(days=5), today - timedelta(days=3))
    side_effect("headache", Severity.SEVERE, today - timedelta(days=3), today - timedelta(days=3))
    side_effect("dry mouth", Severity.MODERATE, today - timedelta(days=1), None)  # still going
    side_effect("tremor", Severity.MILD, today - timedelta(days=40), today - timedelta(days=39))
    db.session.commit()

    by_day = insights.build(db.session, client, now, days=7).side_effects

    assert {day: entry.level for day, entry in by_day.items()} == {
        today - timedelta(days=5): 1, today - timedelta(days=4): 1, today - timedelta(days=3): 3,
        today - timedelta(days=1): 2, today: 2}
    assert [item.symptom for item in by_day[today - timedelta(days=3)].items] == \
        ["headache", "nausea"]


# --- Markers ------------------------------------------------------------------------------

def test_markers_show_start_dose_and_schedule_changes_pause_resume_and_stop(app, alice):
    client = user(alice)

    def at(day: int) -> datetime:
        return datetime(2026, 5, day, 11, 0, tzinfo=UTC)

    med = add_medication(client, at(1), date(2026, 5, 1), times=("08:00",))
    medications.change_regimen(db.session, client, med, spec(100, ["08:00"]), at(10), at(10))
    medications.pause(db.session, client, med, at(15))
    medications.resume(db.session, client, med, at(18))
    medications.change_regimen(db.session, client, med, spec(100, ["09:00"]), at(20), at(20))
    medications.stop(db.session, client, med, date(2026, 5, 25), "", at(25))
    db.session.commit()

    markers = insights.build(db.session, client, at(28), days=30).markers

    with app.test_request_context():
        labels = [(m.number, m.day.day, m.label) for m in markers]
    assert labels == [
        (1, 1, "Started Sertraline"), (2, 10, "Sertraline: dose changed to 100 mg"),
        (3, 15, "Paused Sertraline"), (4, 18, "Resumed Sertraline"),
        (5, 20, "Sertraline: schedule changed"), (6, 25, "Stopped Sertraline")]
    later = insights.build(db.session, client, at(28), days=30, since=date(2026, 5, 16)).markers
    with app.test_request_context():
        labels = [(m.number, m.label) for m in later]
    assert labels == [
        (1, "Resumed Sertraline"), (2, "Sertraline: schedule changed"), (3, "Stopped Sertraline")]


# --- Only what was asked for, from a date on -------------------------------------------------

def test_only_the_sections_asked_for_are_read_from_the_database(alice):
    client = user(alice)
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    add_medication(client, now, date(2026, 6, 1))
    checkin(client, date(2026, 6, 9), mood=2, sleep_hours=Decimal(6), sleep_quality=3)

    with statements() as sent:
        data = insights.build(db.session, client, now, days=30, sections=["sleep"])

    sql = " ".join(sent).lower()
    assert "mood" not in sql and "energy" not in sql and "self_care" not in sql
    assert "planned_doses" not in sql and "side_effects" not in sql and "medications" not in sql
    assert set(data.series) == {"sleep_hours", "sleep_quality"}
    assert data.adherence == [] and data.markers == [] and data.side_effects == {}
    assert not data.shows("mood") and data.shows("sleep")


def test_nothing_before_the_from_date_is_read(alice):
    client = user(alice)
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    med = add_medication(client, now, date(2026, 6, 1))
    log(client, med, planned_on(client, med, date(2026, 6, 3), "08:00"))
    checkin(client, date(2026, 6, 3), mood=1)
    checkin(client, date(2026, 6, 9), mood=4)
    db.session.add(SideEffect(client_id=client.id, symptom="nausea", severity=Severity.MILD,
                              started_on=date(2026, 6, 4), ended_on=None, note=""))
    db.session.commit()

    data = insights.build(db.session, client, now, days=30, since=date(2026, 6, 8))

    assert data.period.days == [date(2026, 6, 8), date(2026, 6, 9), date(2026, 6, 10)]
    assert data.series["mood"].values == [None, 4, None]
    assert data.side_effects == {}  # it started before the from date, though still going
    [item] = data.adherence
    assert (item.on_time, item.due) == (0, 3)  # 8, 9 and 10 June only


# --- The page -------------------------------------------------------------------------------

@pytest.fixture
def alice_with_a_month(alice, clock):
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    clock.set(now)
    fill_record(db.session, user(alice), now, days=40)
    return alice


def test_the_page_draws_each_chart_with_a_name_a_description_and_a_table(client,
                                                                         alice_with_a_month):
    login(client, alice_with_a_month)
    html = client.get("/insights").get_data(as_text=True)

    charts = re.findall(r'<svg class="chart-svg[^>]*aria-labelledby="([^"]+) ([^"]+)"', html)
    assert len(charts) == 10  # 2 for doses, 2 sleep, energy, mood, 3 everyday life, side effects
    for title_id, desc_id in charts:
        assert f'<title id="{title_id}">' in html and f'<desc id="{desc_id}">' in html
    assert html.count('role="img"') >= 10
    assert html.count("<summary>Show as a table</summary>") == 10
    assert html.count("<table>") == 10
    assert "style=" not in html  # the CSP forbids inline styles
    assert re.search(r"Sertraline:</strong>\s+Logged as taken: \d+ of \d+ planned doses\.", html)
    assert 'aria-current="page">30 days' in html


@pytest.mark.parametrize("asked, shown, period", [
    ("7", 7, "Jun 4 – 10, 2026"), ("90", 90, "Mar 13 – Jun 10, 2026"),
    ("365", 30, "May 12 – Jun 10, 2026"), ("x", 30, "May 12 – Jun 10, 2026")])
def test_the_period_can_be_7_30_or_90_days(client, alice_with_a_month, asked, shown, period):
    login(client, alice_with_a_month)
    html = client.get(f"/insights?days={asked}").get_data(as_text=True)
    assert f'aria-current="page">{shown} days' in html
    assert period in html.replace("\u2009", " ")  # one date range, as the locale writes it


def test_a_day_without_a_check_in_shows_as_a_break_in_the_line_and_in_the_table(client, alice,
                                                                                 clock):
    clock.set(datetime(2026, 6, 10, 12, 0, tzinfo=UTC))
    for days_ago, mood in ((6, 2), (5, 3), (3, 3), (2, 4), (0, 5)):
        checkin(user(alice), date(2026, 6, 10) - timedelta(days=days_ago), mood=mood)
    login(client, alice)
    html = client.get("/insights?days=7").get_data(as_text=True)

    mood_chart = html[html.index('id="insights-mood-title"'):]
    path = re.search(r'<path class="chart-line" d="([^"]+)"', mood_chart).group(1)
    assert path.count("M") == 3 and path.count("L") == 2  # 2-3, a gap, 3-4, a gap, 5 alone
    assert mood_chart.count('<circle class="chart-point"') >= 5
    table = mood_chart[mood_chart.index("<table>"):mood_chart.index("</table>")]
    assert table.count("No check-in") == 2


def test_the_chart_partial_shows_only_the_sections_it_was_given(app, alice_with_a_month):
    """How the care views use it: built with the shared categories only."""
    data = insights.build(db.session, user(alice_with_a_month), datetime(2026, 6, 10, 12,
                          tzinfo=UTC), days=30, sections=["sleep", "side_effects"])
    with app.test_request_context():
        html = render_template_string(
            '{% from "insights/_charts.html" import insight_charts %}'
            '{{ insight_charts(data, "shared") }}', data=data)

    assert 'id="shared-sleep_hours-title"' in html and 'id="shared-severity-title"' in html
    for hidden in ("Medications", "Sertraline", "Mood", "Energy", "Everyday life",
                   "shared-mood", "shared-adherence"):
        assert hidden not in html
    assert html.count('<svg class="chart-svg') == html.count("<table>") == 3


def test_only_clients_see_insights(app, client, bob, carol):
    assert client.get("/insights").status_code == 302  # signed out: to the sign-in page
    for person in (bob, carol):
        supporter = app.test_client()
        login(supporter, person)
        assert supporter.get("/insights").status_code == 403


# --- Bounded queries ----------------------------------------------------------------------

def page_urls(app) -> dict[str, str]:
    """Insights, and Today and History when those pages exist."""
    urls = {"insights": "/insights?days=90"}
    for name, endpoint in (("today", "client.today"), ("history", "client.history")):
        if endpoint in app.view_functions:
            with app.test_request_context():
                urls[name] = url_for(endpoint)
    return urls


def queries_per_page(app, person) -> dict[str, int]:
    browser = app.test_client()
    login(browser, person)
    counts = {}
    for name, url in page_urls(app).items():
        assert browser.get(url).status_code == 200, url  # first visit may plan doses
        with statements() as sent:
            assert browser.get(url).status_code == 200, url
        counts[name] = len(sent)
    return counts


def test_pages_send_as_many_queries_for_ten_times_the_data(app, clock, alice, dave):
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    clock.set(now)
    small = fill_record(db.session, user(alice), now, days=9)
    large = fill_record(db.session, user(dave), now, days=90)
    assert large.events >= 9 * small.events and large.checkins >= 9 * small.checkins

    few, many = queries_per_page(app, alice), queries_per_page(app, dave)

    assert few == many
    assert many["insights"] <= 12


# --- A new record, and changes close together --------------------------------------------------

def test_a_three_day_old_record_gets_the_explanation_instead_of_empty_charts(client, alice,
                                                                            clock):
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    clock.set(now)
    client_user = user(alice)
    add_medication(client_user, now, date(2026, 6, 8))
    for day in (8, 9, 10):
        checkin(client_user, date(2026, 6, day), mood=3, sleep_hours=Decimal(7))
    login(client, alice)
    html = client.get("/insights").get_data(as_text=True)

    assert '<svg class="chart-svg' not in html  # no near-empty chart at all
    assert "Charts appear here once there are entries on 5 days" in html
    assert ("Charts of planned and taken doses appear here once doses have been planned on 5 "
            "days in this period. So far: 3 days.") in html
    mood = html[html.index('id="insights-mood"'):]
    assert mood.index("A line of each day's answers appears here once 5 days in this period "
                      "have a check-in. So far: 3 days.") < mood.index("</section>")
    assert re.search(r"Sertraline:</strong>\s+Logged as taken: 0 of 3 planned doses\.", html)
    assert "Started Sertraline" in html  # the change is listed, with no chart to point to
    assert "dashed lines on the charts" not in html


def test_a_chart_appears_once_five_days_have_an_entry(client, alice, clock):
    clock.set(datetime(2026, 6, 10, 12, 0, tzinfo=UTC))
    for day in (4, 5, 7, 8, 10):
        checkin(user(alice), date(2026, 6, day), mood=3)
    login(client, alice)
    html = client.get("/insights").get_data(as_text=True)

    assert 'id="insights-mood-title"' in html
    assert 'id="insights-sleep_hours-title"' not in html  # sleep wasn't answered
    sleep = html[html.index('id="insights-sleep"'):]
    assert "So far: 0 days." in sleep[:sleep.index("</section>")]
    assert "Charts appear here once" not in html


def two_changes_on_one_day(client_user, now):
    add_medication(client_user, now, date(2026, 5, 12), name="Sertraline")
    add_medication(client_user, now, date(2026, 5, 12), name="Quetiapine", strength=25)
    for day in range(12, 29):
        checkin(client_user, date(2026, 5, day), mood=3)


def test_changes_on_the_same_day_share_one_numbered_mark_that_says_what_changed(client, alice,
                                                                              clock):
    now = datetime(2026, 5, 28, 12, 0, tzinfo=UTC)
    clock.set(now)
    two_changes_on_one_day(user(alice), now)
    login(client, alice)
    html = client.get("/insights").get_data(as_text=True)

    mood = html[html.index('<svg class="chart-svg chart-lines'):]
    mood = mood[:mood.index("</svg>")]
    assert re.findall(r'class="chart-marker-label"[^>]*>([^<]*)<', mood) == ["1"]
    desc = re.search(r"<desc[^>]*>([^<]*)</desc>", mood).group(1)
    assert "Dashed lines mark medication changes: 1. May 12: Started Quetiapine; " \
           "Started Sertraline." in desc
    changes = html[html.index('<ol class="insights-markers"'):]
    changes = changes[:changes.index("</ol>")]
    assert changes.count('class="insights-marker-number"') == 1
    assert "Started Quetiapine" in changes and "Started Sertraline" in changes


def test_changes_too_close_to_label_apart_merge_and_days_far_apart_do_not(app, alice):
    client_user = user(alice)
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    med = add_medication(client_user, now - timedelta(days=80), date(2026, 3, 20))
    for day in (date(2026, 5, 1), date(2026, 5, 3), date(2026, 5, 20)):
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
        medications.change_regimen(db.session, client_user, med, spec(day.day * 10, ["08:00"]),
                                   at, at)
    db.session.commit()

    wide = insights.build(db.session, client_user, now, days=90)
    narrow = insights.build(db.session, client_user, now, days=30)

    assert [[m.day.day for m in g.markers] for g in wide.marker_groups] == [[20], [1, 3], [20]]
    assert [[m.day.day for m in g.markers] for g in narrow.marker_groups] == [[20]]
    with app.test_request_context():
        assert [g.number for g in narrow.marker_groups] == [1]
        svg = insights_chart_markers(wide)
    assert svg.count('class="chart-marker-label"') == 3 and ",2" not in svg


def insights_chart_markers(data) -> str:
    from tend import charts
    return str(charts.line_chart("x", "t", "d", data.period.days,
                                 [None] * len(data.period.days), 1, 5, [1, 5],
                                 data.marker_groups))


def test_a_column_read_sees_what_the_same_request_changed_but_has_not_yet_sent(app, alice,
                                                                                clock):
    """Insights' plain-column reads go on the session's connection, which doesn't flush by
    itself as the ORM's reads do: a name changed in this request must still read as changed."""
    med = records.add_medication(alice, clock(), name="Sertraline")
    client = db.session.get(User, alice.id)
    client.timezone  # loaded before the change: loading would flush it
    med.name = "Sertraline (generic)"  # changed, not yet flushed
    assert [m.name for m in insights.medications_by_id(db.session, client).values()] \
        == ["Sertraline (generic)"]
