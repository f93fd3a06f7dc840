"""Decision work (issue 21): experiments on a strategy, what to expect, trial periods agreed
with a clinician, readiness rulers, goals linked to a measure, and the reasons doses were
skipped, as the client and the people they share with see them."""
import html
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import (AppointmentNote, Category, DoseEvent, DoseStatus, Experiment, MedicationKind,
                    PlannedDose, Ruler, SkipReason, User, db)
from tend.services import doses, journal, medications, schedule
from tests.conftest import csrf_token, login
from tests.sharing_world import link

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)
CHANGE_DAY = date(2026, 3, 1)


def _client(person) -> User:
    return db.session.get(User, person.id)


def _medication(person, name="Sertraline"):
    med, _ = medications.create_medication(
        db.session, _client(person), name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=medications.RegimenSpec(amount=Decimal(1), strength=Decimal(50), strength_unit="mg",
                                     times=["08:00"]),
        started_on=date(2026, 1, 1), now=datetime(2026, 1, 1, 6, tzinfo=timezone.utc))
    db.session.commit()
    return med


def _text(response) -> str:
    """The page's text without tags or repeated spaces, as a reader meets it."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ",
                                                     response.get_data(as_text=True))))


def _form(client, **overrides):
    data = {"csrf_token": csrf_token(client, "/experiments/new"), "title": "In bed by 11",
            "strategy": "sleep_routine", "kind": "start", "medication_id": "",
            "changed_on": "2026-03-01", "hopes": "Less tired in the day", "worries": "",
            "measures": ["sleep_hours"], "side_effect": "", "baseline_days": "14",
            "checkpoints-0": "2026-03-15", "checkpoints-1": "", "checkpoints-2": ""}
    data.update(overrides)
    return data


def _sleep(person, first: date, days: int, hours: str):
    for offset in range(days):
        journal.save_checkin(db.session, _client(person), first + timedelta(days=offset),
                             {"sleep_hours": Decimal(hours)}, NOW)
    db.session.commit()


# --- 1. Experiments on a strategy -------------------------------------------------------------

def test_a_strategy_experiment_alongside_a_medication_gets_the_same_checkpoint(
        client, alice, clock):
    clock.set(datetime(2026, 3, 16, 9, tzinfo=timezone.utc))
    med = _medication(alice)
    _sleep(alice, CHANGE_DAY - timedelta(days=14), 14, "5.5")
    _sleep(alice, CHANGE_DAY, 14, "7")
    login(client, alice)
    response = client.post("/experiments/new", data=_form(client, medication_id=str(med.id)))
    assert response.status_code == 302
    experiment = db.session.scalars(select(Experiment)).one()
    assert (experiment.strategy, experiment.medication_id) == ("sleep_routine", med.id)
    page = _text(client.get(response.headers["Location"]))
    assert "A sleep routine · alongside Sertraline" in page

    url = f"/experiments/{experiment.id}/checkpoints/{experiment.checkpoints[0].id}"
    page = _text(client.get(url))
    assert "5.5 h" in page and "7.0 h" in page and "14 of 14 days logged" in page
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "verdict": "helping", "reflection": "", "next_step": ""})
    assert response.status_code == 302
    assert "It seems to be helping" in _text(client.get(url))


def test_an_unknown_strategy_is_refused_at_its_field(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    response = client.post("/experiments/new", data=_form(client, strategy="astrology"))
    assert response.status_code == 400
    assert "Choose one of the options." in _text(response)
    assert db.session.scalar(select(Experiment)) is None


# --- 2. What to expect, and dates agreed ------------------------------------------------------

def test_what_to_expect_shows_at_the_checkpoint_next_to_what_happened(client, alice, clock):
    clock.set(datetime(2026, 3, 16, 9, tzinfo=timezone.utc))
    med = _medication(alice)
    login(client, alice)
    client.post("/experiments/new", data=_form(
        client, strategy="", kind="change", title="Up to 100 mg", medication_id=str(med.id),
        agreed_with="Dr Patel", agreed_on="2026-02-26"))
    experiment = db.session.scalars(select(Experiment)).one()
    url = f"/experiments/{experiment.id}/expect"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "said_by": "Dr Patel",
        "effects": "Sleep settles in 2 to 4 weeks", "side_effects": "Headaches at first",
        "when_to_call": "If I feel much worse", "by_when": "2026-03-29"})
    assert response.status_code == 302
    med_url = f"/medications/{med.id}/expect"
    client.post(med_url, data={"csrf_token": csrf_token(client, med_url), "said_by": "",
                               "effects": "Mood lifts over 6 weeks", "side_effects": "",
                               "when_to_call": "", "by_when": ""})

    page = _text(client.get(f"/experiments/{experiment.id}/checkpoints/"
                            f"{experiment.checkpoints[0].id}"))
    expected = page.index("What you were told to expect")
    assert expected < page.index("Before and after")
    for text in ("Sleep settles in 2 to 4 weeks", "Headaches at first", "If I feel much worse",
                 "Mar 29, 2026", "About Sertraline", "Mood lifts over 6 weeks",
                 "Trial period and checkpoint dates agreed with Dr Patel on Feb 26, 2026."):
        assert text in page, text


def test_an_agreement_needs_a_name_and_the_dates_can_be_marked_later(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    response = client.post("/experiments/new", data=_form(client, agreed_on="2026-02-26"))
    assert response.status_code == 400
    assert "Write who you agreed it with." in _text(response)
    client.post("/experiments/new", data=_form(client))
    experiment = db.session.scalars(select(Experiment)).one()
    url = f"/experiments/{experiment.id}"
    response = client.post(url + "/agreed", data={"csrf_token": csrf_token(client, url),
                                                  "agreed_with": "my GP", "agreed_on": ""})
    assert response.status_code == 302
    assert "Trial period and checkpoint dates agreed with my GP." in _text(client.get(url))


def test_someone_elses_experiment_or_medication_has_no_expectations_page(client, alice, dave,
                                                                         clock):
    clock.set(NOW)
    med = _medication(dave)
    login(client, alice)
    assert client.get(f"/medications/{med.id}/expect").status_code == 404
    assert client.get("/experiments/987654/expect").status_code == 404


# --- 3. Readiness rulers ------------------------------------------------------------------------

def test_rulers_at_the_start_and_at_a_checkpoint_are_shown_over_time_unscored(
        client, alice, clock):
    clock.set(datetime(2026, 3, 16, 9, tzinfo=timezone.utc))
    login(client, alice)
    client.post("/experiments/new", data=_form(
        client, importance="8", importance_reason="I'm exhausted", confidence="3",
        confidence_reason="Evenings are hard"))
    experiment = db.session.scalars(select(Experiment)).one()
    url = f"/experiments/{experiment.id}/checkpoints/{experiment.checkpoints[0].id}"
    client.post(url, data={"csrf_token": csrf_token(client, url), "verdict": "mixed",
                           "reflection": "", "next_step": "", "importance": "9",
                           "importance_reason": "", "confidence": "",
                           "confidence_reason": "Better with a routine"})
    assert [(r.checkpoint_id, r.importance, r.confidence) for r in
            db.session.scalars(select(Ruler).order_by(Ruler.id))] == [
        (None, 8, 3), (experiment.checkpoints[0].id, 9, None)]
    page = _text(client.get(f"/experiments/{experiment.id}"))
    start = page.index("At the start, Mar 1, 2026")
    later = page.index("At the checkpoint of Mar 15, 2026")
    assert start < later
    assert "8 of 10" in page[start:later] and "I'm exhausted" in page[start:later]
    assert "9 of 10" in page[later:] and "not given" in page[later:]
    for judgement in ("score", "good", "well done", "low", "too"):
        assert judgement not in page[start:later].lower(), judgement


def test_a_ruler_outside_0_to_10_is_refused_at_its_field(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    response = client.post("/experiments/new", data=_form(client, importance="11"))
    assert response.status_code == 400
    assert "Choose a number from 0 to 10." in _text(response)
    assert db.session.scalar(select(Experiment)) is None


# --- 4. Goals linked to a measure ----------------------------------------------------------------

def _add_goal(client, **fields):
    data = {"csrf_token": csrf_token(client, "/appointment"), "goal-text": "Sleep more",
            "goal-measure": "sleep_hours", "goal-side_effect": "", "goal-direction": "up",
            "goal-target": "7"}
    data.update(fields)
    return client.post("/appointment/notes/goal", data=data)


def test_a_goal_linked_to_sleep_shows_its_progress_in_words_and_figures(client, alice, clock):
    clock.set(NOW)
    today = date(2026, 4, 1)
    for offset in range(14):
        hours = "6" if offset % 2 else "6.2"
        journal.save_checkin(db.session, _client(alice), today - timedelta(days=offset),
                             {"sleep_hours": Decimal(hours)}, NOW)
    db.session.commit()
    login(client, alice)
    assert _add_goal(client).status_code == 302
    words = "Sleep: 6.1 h a night over the last 2 weeks, your goal is 7 h"
    assert words in _text(client.get("/insights"))
    assert words in _text(client.get("/appointment"))


def test_a_goal_on_doses_or_a_side_effect_says_where_the_record_stands(client, alice, clock):
    clock.set(NOW)
    med = _medication(alice)
    schedule.plan_doses(db.session, _client(alice), NOW)
    planned = db.session.scalars(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date > date(2026, 3, 18),
        PlannedDose.local_date <= date(2026, 4, 1)).order_by(PlannedDose.due_at)).all()
    for item in planned[:10]:
        doses.record(db.session, _client(alice), medication_id=med.id, planned_dose_id=item.id,
                     status=DoseStatus.TAKEN, now=NOW)
    db.session.commit()
    login(client, alice)
    _add_goal(client, **{"goal-text": "Take them", "goal-measure": "doses_taken",
                         "goal-target": ""})
    _add_goal(client, **{"goal-text": "Less nausea", "goal-measure": "",
                         "goal-side_effect": "Nausea", "goal-direction": "down",
                         "goal-target": ""})
    page = _text(client.get("/insights"))
    # Today's dose, a few hours after its time, isn't counted yet: 13 doses, not 14.
    assert "Doses taken: 10 of 13 doses taken (76.9%) over the last 2 weeks, you'd like it " \
        "higher" in page
    assert "Side effect: nausea: nothing logged over the last 2 weeks; you'd like it lower" in \
        page


@pytest.mark.parametrize("fields, message", [
    ({"goal-target": "30"}, "Enter a number from 0 to 24."),
    ({"goal-target": "lots"}, "Enter a number, or leave it empty."),
    ({"goal-measure": "shoe_size"}, "Choose from the list."),
    ({"goal-direction": "sideways"}, "Choose which way you"),
])
def test_a_goal_with_a_bad_measure_or_target_is_refused_at_its_field(client, alice, clock,
                                                                     fields, message):
    clock.set(NOW)
    login(client, alice)
    response = _add_goal(client, **fields)
    assert response.status_code == 400
    assert message in _text(response)
    assert db.session.scalar(select(AppointmentNote)) is None


# --- 5. Skip reasons and their totals per month --------------------------------------------------

def _skip(person, med, day: date, reason: SkipReason | None, note=""):
    item = db.session.scalar(select(PlannedDose).where(PlannedDose.medication_id == med.id,
                                                       PlannedDose.local_date == day))
    doses.record(db.session, _client(person), medication_id=med.id, planned_dose_id=item.id,
                 status=DoseStatus.SKIPPED, skip_reason=reason, note=note, now=NOW)


def test_a_skip_with_a_new_reason_and_the_months_totals_in_history(client, alice, clock):
    clock.set(NOW)
    med = _medication(alice)
    login(client, alice)
    schedule.plan_doses(db.session, _client(alice), NOW)
    db.session.commit()
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == date(2026, 3, 31)))
    response = client.post("/doses", data={
        "csrf_token": csrf_token(client, "/today"), "medication_id": str(med.id),
        "planned_dose_id": str(planned.id), "status": "skipped", "skip_reason": "worried",
        "note": "Read about it online", "next": "/today"})
    assert response.status_code == 302
    event = db.session.scalar(select(DoseEvent))
    assert (event.skip_reason, event.note) == (SkipReason.WORRIED, "Read about it online")
    for day, reason in ((date(2026, 3, 2), SkipReason.COST), (date(2026, 3, 3), SkipReason.COST),
                        (date(2026, 3, 4), SkipReason.PHARMACY),
                        (date(2026, 2, 10), SkipReason.AWAY), (date(2026, 2, 11), None)):
        _skip(alice, med, day, reason)
    db.session.commit()
    page = _text(client.get("/history"))
    totals = page[page.index("Why doses were skipped, by month"):]
    march, february = totals.index("March 2026"), totals.index("February 2026")
    assert march < february
    assert "Because of the cost 2" in totals[march:february]
    assert "I couldn't get it from the pharmacy 1" in totals[march:february]
    assert "I'm worried about it 1" in totals[march:february]
    assert "I was away from home 1" in totals[february:]
    assert "No reason given 1" in totals[february:]
    assert "Why? (optional)" in _text(client.get("/today"))
    assert "I'm worried about it" in _text(client.get("/today"))


def test_the_therapist_sees_the_totals_only_within_the_dose_log_grant(client, alice, bob, clock):
    clock.set(NOW)
    med = _medication(alice)
    schedule.plan_doses(db.session, _client(alice), NOW)
    _skip(alice, med, date(2026, 3, 20), SkipReason.COST)
    _skip(alice, med, date(2026, 3, 2), SkipReason.PHARMACY)  # before the grant's "from" day
    db.session.commit()
    care_link = link(_client(alice), bob, [Category.DOSE_LOG],
                     from_date=date(2026, 3, 10), now=NOW)
    login(client, bob)
    page = _text(client.get(f"/care/clients/{alice.id}"))
    totals = page[page.index("Why doses were skipped, by month"):]
    assert "March 2026" in totals and "because of the cost 1" in totals
    assert "pharmacy" not in totals

    care_link.grants[0].category = Category.QUESTIONS
    db.session.commit()
    page = _text(client.get(f"/care/clients/{alice.id}"))
    assert "Why doses were skipped" not in page


# --- Sharing rulers and goals ---------------------------------------------------------------------

def test_rulers_and_measured_goals_reach_a_therapist_only_with_the_questions_grant(
        client, alice, bob, clock):
    clock.set(NOW)
    login(client, alice)
    client.post("/experiments/new", data=_form(
        client, changed_on="2026-03-20", **{"checkpoints-0": "2026-04-03"}, importance="6",
        importance_reason="RULER-REASON-X"))
    _add_goal(client, **{"goal-text": "GOAL-TEXT-X"})
    care_link = link(_client(alice), bob, [Category.DOSE_LOG, Category.SLEEP],
                     from_date=date(2026, 3, 10), now=NOW)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(client, bob)
    page = _text(client.get(f"/care/clients/{alice.id}"))
    assert "RULER-REASON-X" not in page and "GOAL-TEXT-X" not in page

    care_link.grants[0].category = Category.QUESTIONS
    db.session.commit()
    page = _text(client.get(f"/care/clients/{alice.id}"))
    assert "RULER-REASON-X" in page and "6 of 10" in page
    assert "GOAL-TEXT-X" in page and "Sleep · Higher · target 7" in page
