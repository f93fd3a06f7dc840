"""History, as the client reads it: every kind of entry with its words, its links and the
client's own text escaped, read with a bounded number of statements."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from models import DoseStatus, PlannedDose, Severity, SkipReason, User, db
from tend.services import doses, journal, medications, schedule
from tests.conftest import login
from tests.records import add_medication
from tests.test_insights import statements

UTC = timezone.utc
DAY = date(2026, 3, 10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)  # London in winter: UTC


def planned(med, day: date) -> PlannedDose:
    return db.session.scalar(select(PlannedDose).where(PlannedDose.medication_id == med.id,
                                                       PlannedDose.local_date == day))


def record_a_week(person, clock):
    """Doses taken late, skipped with a reason, not logged and taken as needed; a side effect
    that might be from two medications; a check-in; a stopped medication."""
    client = db.session.get(User, person.id)
    start = at(DAY - timedelta(days=3), 6)
    sertraline = add_medication(person, start, name="Sertra<line>", times=["08:00"],
                                started_on=DAY - timedelta(days=3))
    lithium = add_medication(person, start, name="Lithium & co", times=["12:00"],
                             started_on=DAY - timedelta(days=3))
    ibuprofen = add_medication(person, start, name="Ibuprofen", times=(), as_needed=True,
                               max_per_day=3, started_on=DAY - timedelta(days=3))
    now = at(DAY, 18)
    schedule.plan_doses(db.session, client, now)
    doses.record(db.session, client, medication_id=sertraline.id,
                 planned_dose_id=planned(sertraline, DAY).id, status=DoseStatus.TAKEN,
                 taken_at=at(DAY, 9, 32), now=now, note="felt <odd>")
    doses.record(db.session, client, medication_id=lithium.id,
                 planned_dose_id=planned(lithium, DAY - timedelta(days=1)).id,
                 status=DoseStatus.SKIPPED, skip_reason=SkipReason.FORGOT, now=now)
    doses.record(db.session, client, medication_id=ibuprofen.id, status=DoseStatus.TAKEN,
                 taken_at=at(DAY, 15, 5), now=now)
    journal.record_side_effect(db.session, client, journal.SideEffectInput(
        symptom="head<ache>", severity=Severity.MODERATE, started_on=DAY, note="a & b",
        medication_ids=[lithium.id, sertraline.id]), now)
    journal.save_checkin(db.session, client, DAY, {"sleep_hours": Decimal("7.5"), "mood": 4,
                                                   "note": "slept <well>"}, now)
    medications.change_regimen(db.session, client, sertraline, medications.RegimenSpec(
        amount=Decimal(1), strength=Decimal(100), strength_unit="mg", times=["08:00"],
        weekdays=[]), at(DAY, 10), now)
    medications.stop(db.session, client, lithium, DAY, "Dr <said> so", now)
    db.session.commit()
    clock.set(now)
    return {"sertraline": sertraline.id, "lithium": lithium.id}


def test_it_shows_every_kind_of_entry_with_the_clients_words_escaped(client, alice, clock):
    record_a_week(alice, clock)
    login(client, alice)

    html = client.get("/history").get_data(as_text=True).replace("\u202f", " ")

    today = html[html.index('id="day-2026-03-10"'):html.index('id="day-2026-03-09"')]
    assert "Hours of sleep: 7.5 h · Mood: 4/5" in today
    assert "slept &lt;well&gt;" in today
    assert "Side effect: head&lt;ache&gt;" in today
    assert "Might be from Sertra&lt;line&gt;, Lithium &amp; co" in today
    assert "Sertra&lt;line&gt;: Dose or schedule changed" in today
    assert "Lithium &amp; co: Stopped" in today and "Dr &lt;said&gt; so" in today
    assert "Taken at 9:32 AM</span> <span class=\"muted\">later than planned" in today
    assert "felt &lt;odd&gt;" in today
    assert '<span class="entry-time">3:05 PM</span> Ibuprofen' in today
    assert "Taken as needed" in today
    yesterday = html[html.index('id="day-2026-03-09"'):html.index('id="day-2026-03-08"')]
    assert "Skipped · I forgot" in yesterday
    assert '<span class="state state-missed">Not logged</span>' in yesterday  # Sertraline
    assert "Log it<span class=\"visually-hidden\"> Sertra&lt;line&gt; 50 mg" not in yesterday
    assert "Log it<span class=\"visually-hidden\"> Sertra&lt;line&gt; 8:00 AM</span>" \
        in yesterday
    assert '<span class="entry-time">8:00 AM</span> Sertra&lt;line&gt; 50 mg</p>' in yesterday
    assert '?dose=' in yesterday and '&amp;next=/history?"' in yesterday  # an address, escaped
    assert "No check-in: add one" in yesterday
    assert 'href="/checkin/2026-03-09"' in yesterday


def test_it_reads_a_full_week_with_as_few_statements_as_an_empty_one(client, alice, clock):
    record_a_week(alice, clock)  # a dose change, a stop, a side effect, doses of each kind
    login(client, alice)
    assert client.get("/history").status_code == 200  # the first visit may plan doses

    with statements() as full_week:
        assert client.get("/history").status_code == 200
    with statements() as empty_week:
        assert client.get("/history?until=2026-02-01").status_code == 200

    assert len(full_week) == len(empty_week) <= 11, "\n".join(full_week)
