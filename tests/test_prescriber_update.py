"""The prescriber update with both voices: saved versions with their author, comparisons with
the period before, as-needed use against its limit, the client's approval before any download,
caregivers' observations the client approves, and decision work on the care pages."""
import io
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from models import (AccessLogEntry, Category, CareLink, DoseStatus, ExperimentKind,
                    PlannedDose, Role, Severity, Side, User, Verdict, db)
from tend.services import decisions, doses, journal, schedule
from tests.conftest import csrf_token, login, make_person
from tests.records import add_medication
from tests.sharing_world import link

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=timezone.utc)  # Europe/London = UTC in March
FIRST, LAST = date(2026, 3, 3), date(2026, 3, 30)        # the default 28 days
GRANT_FROM = date(2026, 1, 1)
EVERYTHING = ("medications", "dose_log", "side_effects", "sleep", "energy", "mood",
              "functioning", "notes", "questions")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc).replace(
        hour=hour, minute=minute)


def _client(person) -> User:
    return db.session.get(User, person.id)


def seed(person) -> None:
    """Four weeks and the four before: a scheduled medication, ibuprofen when needed (at most
    3 a day, 7 taken on one day, with a severe chest pain linked), check-ins, questions."""
    client = _client(person)
    sertraline = add_medication(person, at(date(2026, 1, 1), 6), name="Sertraline",
                                started_on=date(2026, 1, 1))
    ibuprofen = add_medication(person, at(date(2026, 1, 1), 6), name="Ibuprofen", times=(),
                               as_needed=True, max_per_day=3, strength=200,
                               started_on=date(2026, 1, 1))
    schedule.plan_doses(db.session, client, NOW)
    planned = db.session.scalars(select(PlannedDose).where(
        PlannedDose.medication_id == sertraline.id,
        PlannedDose.local_date.between(date(2026, 2, 3), LAST - timedelta(days=1)))).all()
    for dose in planned:
        day = dose.local_date
        if day >= FIRST and day.day % 4 == 0:      # more skipped this period
            doses.record(db.session, client, medication_id=sertraline.id,
                         planned_dose_id=dose.id, status=DoseStatus.SKIPPED,
                         skip_reason="side_effects", now=at(day, 9))
        elif day < FIRST and day.day % 9 == 0:
            doses.record(db.session, client, medication_id=sertraline.id,
                         planned_dose_id=dose.id, status=DoseStatus.SKIPPED,
                         skip_reason="forgot", now=at(day, 9))
        else:
            doses.record(db.session, client, medication_id=sertraline.id,
                         planned_dose_id=dose.id, status=DoseStatus.TAKEN, now=at(day, 8, 5),
                         taken_at=at(day, 8, 5))
    for hour in range(8, 15):                       # 7 ibuprofen on one day
        doses.record(db.session, client, medication_id=ibuprofen.id,
                     status=DoseStatus.TAKEN, now=at(date(2026, 3, 20), hour),
                     taken_at=at(date(2026, 3, 20), hour))
    doses.record(db.session, client, medication_id=ibuprofen.id, status=DoseStatus.TAKEN,
                 now=at(date(2026, 2, 20), 9), taken_at=at(date(2026, 2, 20), 9))
    journal.record_side_effect(db.session, client, journal.SideEffectInput(
        symptom="chest pain", severity=Severity.SEVERE, started_on=date(2026, 3, 20),
        medication_ids=[ibuprofen.id]), at(date(2026, 3, 20), 15))
    journal.record_side_effect(db.session, client, journal.SideEffectInput(
        symptom="dry mouth", severity=Severity.MILD, started_on=date(2026, 3, 10),
        medication_ids=[sertraline.id]), at(date(2026, 3, 10), 15))
    for offset in range(56):
        day = LAST - timedelta(days=offset)
        this_period = day >= FIRST
        journal.save_checkin(db.session, client, day, {
            "sleep_hours": Decimal("5.5") if this_period else Decimal("7.5"),
            "sleep_quality": 2 if this_period else 4, "energy": 2 if this_period else 3,
            "mood": 3, "work": 3, "relationships": 4, "self_care": 3,
            "note": "Tired in the mornings" if day == date(2026, 3, 25) else ""},
            at(day, 21))
    decisions.add_question(db.session, client, "Could the dose be taken at night?",
                           at(date(2026, 3, 18), 10))
    db.session.commit()


def therapist_link(alice, bob, categories=EVERYTHING) -> CareLink:
    return link(_client(alice), bob, categories, from_date=GRANT_FROM, now=NOW)


def save_update(as_bob, client_id, observations="Sleeps badly since the dose change.",
                questions="Is the morning dose still right?"):
    path = f"/care/clients/{client_id}/update"
    response = as_bob.post(f"/care/clients/{client_id}/updates", data={
        "first": FIRST.isoformat(), "last": LAST.isoformat(), "observations": observations,
        "questions": questions, "csrf_token": csrf_token(as_bob, path)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def approve(as_alice, update_path_for_client):
    return as_alice.post(update_path_for_client + "/approve", data={
        "csrf_token": csrf_token(as_alice, update_path_for_client)})


def flat(text: str) -> str:
    """Text with its runs of spaces (thin and narrow ones too) as single spaces."""
    return " ".join(text.replace("\u2009", " ").replace("\u202f", " ").split())


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader.metadata


@pytest.fixture
def world(app, clock, alice, bob):
    clock.set(NOW)
    seed(alice)
    therapist_link(alice, bob)
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    login(as_bob, bob)
    return as_alice, as_bob


def _update_id(location: str) -> int:
    return int(location.rstrip("/").split("/")[-1])


def test_it_reads_back_the_pdf_of_an_approved_update_with_both_voices(world, alice):
    as_alice, as_bob = world
    location = save_update(as_bob, alice.id)
    update_id = _update_id(location)
    approve(as_alice, f"/sharing/updates/{update_id}")
    response = as_bob.get(f"{location}/update.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    text, metadata = pdf_text(response.data)
    text = flat(text)
    assert metadata.author == "Bob Lee"
    assert "Update for the prescriber: Alice" in text
    assert "Prepared by Bob Lee" in text
    assert "Mar 3 – 30, 2026" in text                       # the period
    # Both voices: the therapist's, and the client's own question and words.
    assert "Sleeps badly since the dose change." in text
    assert "Is the morning dose still right?" in text
    assert "Could the dose be taken at night?" in text
    assert "Tired in the mornings" in text
    # As-needed use is a count against its limit, with the linked severe side effect.
    assert "7 taken in 28 days; limit 3 a day, over it on 1 day (most in a day: 7)" in text
    assert "↑ up from 1 in the 28 days before" in text
    assert "chest pain (■■■ severe)" in text
    # Comparison figures in words and arrows.
    assert "5.5 hours on average, ↓ down from 7.5 in the 28 days before" in text
    assert re.search(r"Sertraline \d+ of \d+ scheduled doses taken \(\d+%\), ↓ down from \d+%",
                     text), text
    assert "because of side effects" in text and "forgot" in text
    assert "■■■ severe 1 side effect, ↑ up from 0" in text


def test_it_refuses_a_download_until_the_client_approves_and_logs_both(world, alice, bob):
    as_alice, as_bob = world
    location = save_update(as_bob, alice.id)
    refused = as_bob.get(f"{location}/update.pdf")
    assert refused.status_code == 403
    body = refused.get_data(as_text=True)
    assert not refused.data.startswith(b"%PDF")
    for secret in ("Sleeps badly", "Ibuprofen", "chest pain", "Sertraline", "5.5"):
        assert secret not in body
    page = as_bob.get(location).get_data(as_text=True)
    assert "waiting for the client&#39;s approval" in page.lower() or \
        "waiting for the client's approval" in page.lower()
    assert "Download PDF" not in page

    client_page = as_alice.get(f"/sharing/updates/{_update_id(location)}").get_data(as_text=True)
    assert "Sleeps badly since the dose change." in client_page   # the exact update
    assert "7 taken in 28 days" in client_page
    approve(as_alice, f"/sharing/updates/{_update_id(location)}")
    assert "Download PDF" in as_bob.get(location).get_data(as_text=True)
    assert as_bob.get(f"{location}/update.pdf").status_code == 200
    log = flat(as_alice.get("/sharing/log").get_data(as_text=True))
    assert "You approved Bob Lee&#39;s update for Mar 3 – 30, 2026" in log
    assert "Bob Lee viewed Prescriber update for Mar 3 – 30, 2026, downloaded as a PDF" in log


def test_an_edit_asks_for_approval_again_and_a_sent_update_no_longer_changes(world, alice):
    as_alice, as_bob = world
    location = save_update(as_bob, alice.id)
    approve(as_alice, f"/sharing/updates/{_update_id(location)}")
    as_bob.post(location, data={"observations": "New words", "questions": "",
                                "csrf_token": csrf_token(as_bob, location)})
    assert as_bob.get(f"{location}/update.pdf").status_code == 403
    approve(as_alice, f"/sharing/updates/{_update_id(location)}")
    as_bob.post(f"{location}/sent", data={"csrf_token": csrf_token(as_bob, location)})
    as_bob.post(location, data={"observations": "Changed after sending", "questions": "",
                                "csrf_token": csrf_token(as_bob, location)})
    page = as_bob.get(location).get_data(as_text=True)
    assert "New words" in page and "Changed after sending" not in page
    assert "Marked sent" in page and "Save changes" not in page


def test_a_client_can_let_updates_go_out_without_asking(world, alice, bob):
    as_alice, as_bob = world
    care_link = db.session.scalar(select(CareLink).where(CareLink.supporter_id == bob.id))
    as_alice.post(f"/sharing/people/{care_link.id}/updates-without-asking", data={
        "allow": "y", "csrf_token": csrf_token(as_alice, "/sharing/updates")})
    location = save_update(as_bob, alice.id)
    assert as_bob.get(f"{location}/update.pdf").status_code == 200
    assert "Bob Lee may now prepare updates without asking" in \
        as_alice.get("/sharing/log").get_data(as_text=True)


def test_nobody_else_sees_or_downloads_an_update(world, app, alice):
    as_alice, as_bob = world
    location = save_update(as_bob, alice.id)
    approve(as_alice, f"/sharing/updates/{_update_id(location)}")
    other = make_person("erin@example.com", "Erin", Role.THERAPIST)
    as_erin = app.test_client()
    login(as_erin, other)
    for path in (location, f"{location}/update.pdf"):
        response = as_erin.get(path)
        assert response.status_code == 404
        assert "Sleeps badly" not in response.get_data(as_text=True)
    dave = make_person("dave2@example.com", "Dave", Role.CLIENT)
    as_dave = app.test_client()
    login(as_dave, dave)
    assert as_dave.get(f"/sharing/updates/{_update_id(location)}").status_code == 404


def test_an_update_holds_only_shared_categories_and_stops_when_sharing_does(app, clock, alice,
                                                                             bob):
    clock.set(NOW)
    seed(alice)
    care_link = therapist_link(alice, bob, ("sleep",))
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    login(as_bob, bob)
    location = save_update(as_bob, alice.id)
    approve(as_alice, f"/sharing/updates/{_update_id(location)}")
    text, _ = pdf_text(as_bob.get(f"{location}/update.pdf").data)
    for private in ("Ibuprofen", "Sertraline", "chest pain", "Could the dose", "Tired in"):
        assert private not in text
    assert "5.5 hours on average" in " ".join(text.split())
    db.session.delete(care_link.grants[0])
    db.session.commit()
    assert as_bob.get(f"{location}/update.pdf").status_code == 403


def test_a_caregivers_observation_reaches_the_update_only_once_approved(world, app, alice,
                                                                          carol):
    as_alice, as_bob = world
    link(_client(alice), carol, ("medications",), from_date=GRANT_FROM, now=NOW)
    as_carol = app.test_client()
    login(as_carol, carol)
    path = f"/care/clients/{alice.id}/observations"
    response = as_carol.post(path, data={"observed_on": "2026-03-24",
                                         "text": "Skipped breakfast three days running",
                                         "csrf_token": csrf_token(as_carol, path)})
    assert response.status_code == 302
    bad = as_carol.post(path, data={"text": "", "csrf_token": csrf_token(as_carol, path)})
    assert bad.status_code == 400 and "Write what you noticed first." in bad.get_data(as_text=True)
    assert "Skipped breakfast" not in as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    location = save_update(as_bob, alice.id)
    assert "Skipped breakfast" not in as_bob.get(location).get_data(as_text=True)

    waiting = as_alice.get("/sharing/observations").get_data(as_text=True)
    assert "Skipped breakfast three days running" in waiting
    observation_id = re.search(r'data-observation="(\d+)"', waiting).group(1)
    as_alice.post(f"/sharing/observations/{observation_id}", data={
        "answer": "approve", "csrf_token": csrf_token(as_alice, "/sharing/observations")})
    overview = as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    assert "Skipped breakfast three days running" in overview
    location = save_update(as_bob, alice.id)
    page = as_bob.get(location).get_data(as_text=True)
    section = page.split('data-update-section="caregiver"')[1].split("</section>")[0]
    assert "Observed in daily life by a caregiver" in section
    assert "Skipped breakfast three days running" in section and "Carol" in section


def test_a_declined_observation_stays_between_caregiver_and_client(world, app, alice, carol):
    as_alice, as_bob = world
    link(_client(alice), carol, (), from_date=GRANT_FROM, now=NOW)
    as_carol = app.test_client()
    login(as_carol, carol)
    path = f"/care/clients/{alice.id}/observations"
    as_carol.post(path, data={"text": "Private thing", "csrf_token": csrf_token(as_carol, path)})
    waiting = as_alice.get("/sharing/observations").get_data(as_text=True)
    observation_id = re.search(r'data-observation="(\d+)"', waiting).group(1)
    as_alice.post(f"/sharing/observations/{observation_id}", data={
        "answer": "decline", "csrf_token": csrf_token(as_alice, "/sharing/observations")})
    assert "Private thing" not in as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    assert "Private thing" not in as_bob.get(save_update(as_bob, alice.id)).get_data(as_text=True)
    assert as_bob.get(path).status_code == 403  # only caregivers write observations


def _decision_record(person, day: date):
    client = _client(person)
    balance = decisions.add_balance(db.session, client, "Lower the dose MK-BAL", at(day, 9))
    decisions.add_reason(db.session, balance, Side.PRO, "Less tired MK-PRO", at(day, 9))
    decisions.add_reason(db.session, balance, Side.CON, "Old worries come back MK-CON",
                         at(day, 9))
    experiment = decisions.create_experiment(db.session, client, decisions.ExperimentInput(
        kind=ExperimentKind.CHANGE, title="Evening dose MK-EXP", changed_on=day,
        hopes="Better mornings", worries="Sleeping worse MK-WORRY", measures=["sleep_hours"],
        checkpoints=[day + timedelta(days=7)]), at(day, 9))
    db.session.commit()
    return experiment


def test_the_care_page_shows_decision_work_only_with_questions_shared(app, clock, alice, bob):
    clock.set(NOW)
    experiment = _decision_record(alice, date(2026, 3, 10))
    clock.set(at(date(2026, 3, 17), 12))
    decisions.complete_checkpoint(db.session, _client(alice), experiment.checkpoints[0],
                                  verdict=Verdict.MIXED, reflection="Some better MK-REFL",
                                  next_step="Ask about timing MK-NEXT",
                                  now=at(date(2026, 3, 17), 12))
    db.session.commit()
    clock.set(NOW)
    care_link = therapist_link(alice, bob, ("questions",))
    as_bob = app.test_client()
    login(as_bob, bob)
    page = as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    for marker in ("MK-BAL", "MK-PRO", "MK-CON", "MK-WORRY", "MK-REFL", "MK-NEXT",
                   "Next step to discuss", "Mixed: some better, some worse"):
        assert marker in page, marker
    care_link.grants[0].category = Category.SLEEP
    db.session.commit()
    page = as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    assert not any(m in page for m in ("MK-BAL", "MK-WORRY", "MK-NEXT"))


def test_decision_work_from_before_the_from_day_is_not_shown(app, clock, alice, bob):
    clock.set(NOW)
    _decision_record(alice, date(2026, 2, 1))
    link(_client(alice), bob, ("questions",), from_date=date(2026, 3, 1), now=NOW)
    as_bob = app.test_client()
    login(as_bob, bob)
    page = as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    assert not any(m in page for m in ("MK-BAL", "MK-PRO", "MK-WORRY", "MK-EXP"))


def test_severity_is_written_and_shaped_not_only_coloured(world, alice):
    as_alice, as_bob = world
    page = as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    severe = re.search(r'<span class="severity severity-severe"[^>]*>(.*?)</span>\s*severe</span>',
                       page, re.S)
    mild = re.search(r'<span class="severity severity-mild"[^>]*>(.*?)</span>\s*mild</span>',
                     page, re.S)
    assert severe and mild
    assert "■■■" in severe.group(1) and "■□□" in mild.group(1)
    update = as_bob.get(f"/care/clients/{alice.id}/update").get_data(as_text=True)
    assert 'data-severity="severe"' in update and "■■■" in update


def test_the_working_update_page_counts_as_needed_use_against_its_limit(world, alice):
    as_alice, as_bob = world
    page = flat(as_bob.get(f"/care/clients/{alice.id}/update").get_data(as_text=True))
    assert "7 taken in 28 days; limit 3 a day, over it on 1 day (most in a day: 7)" in page
