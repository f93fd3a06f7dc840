"""Experiments with checkpoints, and appointment preparation, as the client and others see them."""
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from models import (Checkpoint, Experiment, ExperimentKind, MedicationKind, Question, Severity,
                    User, Verdict, db)
from tend.services import decisions, journal, medications
from tests.conftest import csrf_token, login

CHANGE_DAY = date(2026, 3, 1)
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)


def _client(person) -> User:
    return db.session.get(User, person.id)


def _medication(person, now=NOW):
    med, _ = medications.create_medication(
        db.session, _client(person), name="Sertraline", form="tablet",
        kind=MedicationKind.PRESCRIBED,
        spec=medications.RegimenSpec(amount=Decimal(1), strength=Decimal(50), strength_unit="mg",
                                     times=["08:00"]),
        started_on=date(2026, 1, 1), now=now)
    db.session.commit()
    return med


def _checkin(person, day: date, **values):
    journal.save_checkin(db.session, _client(person), day, values, NOW)


def _experiment(person, measures=("mood",), baseline=14, checkpoints=(date(2026, 3, 15),),
                medication_id=None) -> Experiment:
    experiment = decisions.create_experiment(db.session, _client(person), decisions.ExperimentInput(
        kind=ExperimentKind.CHANGE, title="Sertraline 50 to 100 mg", changed_on=CHANGE_DAY,
        hopes="Sleep through the night", measures=list(measures), checkpoints=list(checkpoints),
        baseline_days=baseline, medication_id=medication_id), NOW)
    db.session.commit()
    return experiment


# --- The comparison ---------------------------------------------------------------------------

def test_it_compares_the_same_number_of_days_before_the_change_and_before_the_checkpoint(
        app, alice):
    # Before the change: mood 2 on four of the 14 days; one entry just outside the window.
    for offset in (1, 2, 5, 14):
        _checkin(alice, CHANGE_DAY - timedelta(days=offset), mood=2)
    _checkin(alice, CHANGE_DAY - timedelta(days=15), mood=5)  # too early: not counted
    # After: the 14 days before the checkpoint on 29 March are 15-28 March.
    for offset in range(14, 28):
        _checkin(alice, CHANGE_DAY + timedelta(days=offset), mood=4)
    _checkin(alice, date(2026, 3, 29), mood=1)  # the checkpoint day itself: not counted
    db.session.commit()
    experiment = _experiment(alice, checkpoints=[date(2026, 3, 29)])

    result = decisions.compare(db.session, _client(alice), experiment, date(2026, 3, 29))

    assert result.window_days == 14
    mood = result.measures[0]
    assert (mood.before.first, mood.before.last) == (date(2026, 2, 15), date(2026, 2, 28))
    assert (mood.after.first, mood.after.last) == (date(2026, 3, 15), date(2026, 3, 28))
    assert mood.before.length == mood.after.length == 14
    assert (mood.before.logged, mood.before.average) == (4, 2.0)
    assert (mood.after.logged, mood.after.average) == (14, 4.0)


def test_an_early_checkpoint_shortens_both_windows_to_the_days_since_the_change(app, alice):
    for offset in range(1, 29):
        _checkin(alice, CHANGE_DAY - timedelta(days=offset), sleep_hours=Decimal("6.0"))
    for offset in range(0, 10):
        _checkin(alice, CHANGE_DAY + timedelta(days=offset), sleep_hours=Decimal("7.5"))
    db.session.commit()
    experiment = _experiment(alice, measures=["sleep_hours"], baseline=28)

    result = decisions.compare(db.session, _client(alice), experiment, CHANGE_DAY + timedelta(days=10))

    sleep = result.measures[0]
    assert result.window_days == 10
    assert sleep.before.first == CHANGE_DAY - timedelta(days=10)
    assert sleep.after.first == CHANGE_DAY  # never reaches back before the change
    assert (sleep.before.logged, sleep.before.average) == (10, 6.0)
    assert (sleep.after.logged, sleep.after.average) == (10, 7.5)


def test_thin_data_is_reported_as_thin_and_nothing_logged_has_no_average(app, alice):
    _checkin(alice, CHANGE_DAY - timedelta(days=3), energy=3)
    db.session.commit()
    experiment = _experiment(alice, measures=["energy", "work"])

    energy, work = decisions.compare(db.session, _client(alice), experiment,
                                     date(2026, 3, 15)).measures

    assert (energy.before.logged, energy.before.length, energy.before.average) == (1, 14, 3.0)
    assert (energy.after.logged, energy.after.average) == (0, None)
    assert energy.difference is None
    assert (work.before.logged, work.before.average) == (0, None)  # a check-in without it


def test_a_side_effect_measure_counts_its_severity_on_logged_days(app, alice):
    # Nausea, moderate, for the 3 last days before the change; check-ins on 7 days before.
    for offset in range(1, 8):
        _checkin(alice, CHANGE_DAY - timedelta(days=offset), mood=3)
    journal.record_side_effect(db.session, _client(alice), journal.SideEffectInput(
        symptom="Nausea", severity=Severity.MODERATE, started_on=CHANGE_DAY - timedelta(days=3),
        ended_on=CHANGE_DAY - timedelta(days=1)), NOW)
    db.session.commit()
    experiment = _experiment(alice, measures=[decisions.side_effect_measure("nausea")], baseline=7,
                             checkpoints=[CHANGE_DAY + timedelta(days=7)])

    nausea = decisions.compare(db.session, _client(alice), experiment,
                               CHANGE_DAY + timedelta(days=7)).measures[0]

    assert nausea.before.values == [0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0]
    assert (nausea.before.logged, nausea.before.average) == (7, round(6 / 7, 2))
    assert (nausea.after.logged, nausea.after.average) == (0, None)
    with app.test_request_context():
        assert nausea.label == "Side effect: nausea"


# --- Pages ------------------------------------------------------------------------------------

def _new_experiment_form(client, **overrides):
    data = {"csrf_token": csrf_token(client, "/experiments/new"), "title": "Trying 100 mg",
            "kind": "change", "medication_id": "", "changed_on": "2026-03-01",
            "hopes": "Fewer low days", "worries": "", "measures": ["mood", "sleep_hours"],
            "side_effect": "", "baseline_days": "14", "checkpoints-0": "2026-03-15",
            "checkpoints-1": "2026-03-29", "checkpoints-2": "2026-04-26"}
    data.update(overrides)
    return data


def test_a_client_sets_up_an_experiment_on_their_medication(client, alice, clock):
    clock.set(NOW)
    med = _medication(alice)
    login(client, alice)
    response = client.post("/experiments/new", data=_new_experiment_form(
        client, medication_id=str(med.id), side_effect=" Nausea "))
    assert response.status_code == 302
    experiment = db.session.query(Experiment).one()
    assert experiment.medication_id == med.id
    assert experiment.measures == ["mood", "sleep_hours", "side_effect:nausea"]
    assert [c.due_on for c in experiment.checkpoints] == [
        date(2026, 3, 15), date(2026, 3, 29), date(2026, 4, 26)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fewer low days" in page and "Side effect: nausea" in page


def test_the_new_experiment_page_suggests_checkpoints_at_2_4_and_8_weeks(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    page = client.get("/experiments/new").get_data(as_text=True)
    for day in ("2026-04-15", "2026-04-29", "2026-05-27"):
        assert f'value="{day}"' in page


@pytest.mark.parametrize("overrides, field, message", [
    ({"hopes": ""}, "hopes", "Write what you hope for, in your own words."),
    ({"measures": []}, "measures", "Choose at least one thing to keep an eye on."),
    ({"checkpoints-0": "2026-02-01"}, "checkpoints", "Choose dates after the day of the change."),
    ({"changed_on": "31/02/2026"}, "changed_on", "Enter a date like 2026-03-31."),
    ({"medication_id": "999999"}, "medication_id", "Choose one of your medications."),
])
def test_bad_input_is_named_at_its_field_and_nothing_is_saved(client, alice, clock, overrides,
                                                              field, message):
    clock.set(NOW)
    login(client, alice)
    response = client.post("/experiments/new", data=_new_experiment_form(client, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'value="Trying 100 mg"' in page  # the rest of the input is kept
    assert db.session.query(Experiment).count() == 0


def test_a_checkpoint_shows_figures_only_from_its_date_and_keeps_the_clients_verdict(
        client, alice, clock):
    clock.set(datetime(2026, 3, 10, 12, tzinfo=timezone.utc))
    for offset in range(1, 15):
        _checkin(alice, CHANGE_DAY - timedelta(days=offset), mood=2)
    for offset in range(0, 10):
        _checkin(alice, CHANGE_DAY + timedelta(days=offset), mood=4)
    db.session.commit()
    experiment = _experiment(alice)
    point = experiment.checkpoints[0]
    url = f"/experiments/{experiment.id}/checkpoints/{point.id}"
    login(client, alice)

    early = client.get(url).get_data(as_text=True)
    assert "From that day, Tend will put your figures" in early
    assert "Save my view" not in early

    clock.set(datetime(2026, 3, 15, 9, tzinfo=timezone.utc))
    login(client, alice)  # five days later: a new sign-in
    page = client.get(url).get_data(as_text=True)
    assert "14 of 14 days logged" in page and "10 of 14 days logged" in page
    assert "2.0 of 5" in page and "4.0 of 5" in page
    assert "<svg" in page

    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "verdict": "helping", "reflection": "Calmer mornings",
                                      "next_step": "Keep going as is"})
    assert response.status_code == 302
    db.session.refresh(point)
    assert point.verdict is Verdict.HELPING and point.completed_at is not None
    assert point.figures["window_days"] == 14
    assert point.figures["measures"][0]["after"] == {
        "first": "2026-03-01", "last": "2026-03-14", "days": 14, "logged": 10, "average": 4.0}
    page = client.get(url).get_data(as_text=True)
    assert "It seems to be helping" in page and "Calmer mornings" in page


def test_a_verdict_is_required_and_the_app_never_offers_one(client, alice, clock):
    clock.set(datetime(2026, 3, 20, 12, tzinfo=timezone.utc))
    experiment = _experiment(alice)
    point = experiment.checkpoints[0]
    url = f"/experiments/{experiment.id}/checkpoints/{point.id}"
    login(client, alice)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "verdict": "",
                                      "reflection": "Not sure"})
    assert response.status_code == 400
    assert "Choose the answer closest to how you see it." in response.get_data(as_text=True)
    assert db.session.get(Checkpoint, point.id).completed_at is None
    assert 'value="helping" checked' not in client.get(url).get_data(as_text=True)


def test_someone_elses_experiment_is_not_found_and_supporters_are_refused(
        client, alice, dave, bob, clock):
    clock.set(NOW)
    experiment = _experiment(alice)
    point = experiment.checkpoints[0]
    login(client, dave)
    for path in (f"/experiments/{experiment.id}",
                 f"/experiments/{experiment.id}/checkpoints/{point.id}"):
        assert client.get(path).status_code == 404
    token = csrf_token(client, "/experiments")
    assert client.post(f"/experiments/{experiment.id}/end",
                       data={"csrf_token": token}).status_code == 404
    assert db.session.get(Experiment, experiment.id).ended_at is None
    client.post("/logout", data={"csrf_token": token})
    login(client, bob)
    for path in ("/experiments", "/appointment", "/appointment/summary"):
        assert client.get(path).status_code == 403


def test_past_experiments_stay_readable_after_closing(client, alice, clock):
    clock.set(NOW)
    experiment = _experiment(alice)
    login(client, alice)
    token = csrf_token(client, "/experiments")
    client.post(f"/experiments/{experiment.id}/end", data={"csrf_token": token})
    page = client.get(f"/experiments/{experiment.id}").get_data(as_text=True)
    assert "Closed" in page and "Sleep through the night" in page
    assert "Closed" in client.get("/experiments").get_data(as_text=True)


# --- Appointment preparation -------------------------------------------------------------------

def test_questions_are_asked_answered_and_reopened(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    token = csrf_token(client, "/appointment")
    client.post("/questions", data={"csrf_token": token, "text": "Can I drink coffee?"})
    question = db.session.query(Question).one()
    assert question.asked_at is None

    client.post(f"/questions/{question.id}/asked", data={"csrf_token": token})
    db.session.refresh(question)
    assert question.asked_at == NOW

    clock.advance(minutes=30)
    bad = client.post(f"/questions/{question.id}/answer", data={"csrf_token": token, "answer": " "})
    assert bad.status_code == 400 and "Write the answer first." in bad.get_data(as_text=True)
    client.post(f"/questions/{question.id}/answer",
                data={"csrf_token": token, "answer": "One cup in the morning is fine"})
    db.session.refresh(question)
    assert question.answer == "One cup in the morning is fine"
    assert question.answered_at == NOW + timedelta(minutes=30)
    page = client.get("/appointment").get_data(as_text=True)
    assert "Answered" in page and "One cup in the morning is fine" in page

    client.post(f"/questions/{question.id}/reopen", data={"csrf_token": token})
    db.session.refresh(question)
    assert (question.asked_at, question.answered_at, question.answer) == (None, None, "")


def test_an_empty_question_is_refused_at_its_field(client, alice):
    login(client, alice)
    response = client.post("/questions", data={"csrf_token": csrf_token(client, "/appointment"),
                                               "text": "   "})
    assert response.status_code == 400
    assert re.search(r'class="field-error" id="text-error">Write your question first.',
                     response.get_data(as_text=True))
    assert db.session.query(Question).count() == 0


def test_another_clients_question_cannot_be_touched(client, alice, dave, clock):
    clock.set(NOW)
    question = decisions.add_question(db.session, _client(alice), "Mine", NOW)
    db.session.commit()
    login(client, dave)
    token = csrf_token(client, "/appointment")
    for action in ("asked", "reopen", "delete"):
        assert client.post(f"/questions/{question.id}/{action}",
                           data={"csrf_token": token}).status_code == 404
    assert client.get(f"/questions/{question.id}/answer").status_code == 404
    assert db.session.get(Question, question.id).asked_at is None


def test_goals_concerns_and_pros_and_cons_land_in_the_summary(client, alice, clock):
    clock.set(NOW)
    _medication(alice, now=NOW - timedelta(days=20))
    _checkin(alice, date(2026, 3, 30), mood=4, sleep_hours=Decimal("7.0"))
    db.session.commit()
    login(client, alice)
    token = csrf_token(client, "/appointment")
    client.post("/appointment/notes/goal", data={"csrf_token": token, "goal-text": "Back to work"})
    client.post("/appointment/notes/concern",
                data={"csrf_token": token, "concern-text": "Weight gain"})
    client.post("/appointment/balances", data={"csrf_token": token,
                                               "topic": "Whether to lower my dose"})
    page = client.get("/appointment").get_data(as_text=True)
    balance_id = re.search(r'id="balance-(\d+)"', page).group(1)
    client.post(f"/appointment/balances/{balance_id}/reasons/pro",
                data={"csrf_token": token, f"b{balance_id}-pro-text": "Less tired"})
    client.post(f"/appointment/balances/{balance_id}/reasons/con",
                data={"csrf_token": token, f"b{balance_id}-con-text": "Low days came back before"})
    client.post("/questions", data={"csrf_token": token, "text": "How long until it works?"})

    summary = client.get("/appointment/summary").get_data(as_text=True)
    for text in ("Back to work", "Weight gain", "Whether to lower my dose", "Less tired",
                 "Low days came back before", "How long until it works?", "Sertraline</strong> 50 mg",
                 "7.0 h a night", "1 of 30"):
        assert text in summary, text


def test_a_reason_form_with_a_mistake_shows_it_next_to_that_decision(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    token = csrf_token(client, "/appointment")
    client.post("/appointment/balances", data={"csrf_token": token, "topic": "Switching"})
    page = client.get("/appointment").get_data(as_text=True)
    balance_id = re.search(r'id="balance-(\d+)"', page).group(1)
    response = client.post(f"/appointment/balances/{balance_id}/reasons/con",
                           data={"csrf_token": token, f"b{balance_id}-con-text": ""})
    assert response.status_code == 400
    assert f'id="b{balance_id}-con-text-error">Write a few words first.' in \
        response.get_data(as_text=True)
