"""Step plans (issue 17, parts 1 and 3): a taper entered once becomes regimen versions, so
Today, the medication page and the supply estimate follow it; hold, step back and pause.

The cast: Alice (Europe/London, on UTC in December) takes Sertraline 50 mg, 1 tablet at 08:00
and 20:00. On 1 December at 10:00 she enters a taper of ¾, ½ and ¼ tablet, a step every 7
days from 3 December."""
import html as html_text
import io
import json
import re
import zipfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from models import MedicationKind, PlannedDose, PlanKind, PlanStatus, User, db
from tend.client.forms import plan_amount, plan_amounts
from tend.services import medications, schedule, step_plans
from tend.services.errors import Conflict, FieldError
from tests.conftest import csrf_token, login

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
FIRST = date(2026, 12, 3)
D = Decimal


def _client(person) -> User:
    return db.session.get(User, person.id)


def _add(person, units=None):
    med, _ = medications.create_medication(
        db.session, _client(person), name="Sertraline", form="tablet",
        kind=MedicationKind.PRESCRIBED, started_on=date(2026, 11, 20),
        spec=medications.RegimenSpec(amount=D(1), strength=D(50), strength_unit="mg",
                                     times=["08:00", "20:00"]),
        now=datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc),
        units_on_hand=D(units) if units is not None else None)
    db.session.commit()
    return med


def _plan(person, med, amounts=("0.75", "0.5", "0.25"), first=FIRST, interval=7, now=NOW,
          checkpoint_days=None):
    plan = step_plans.create_plan(
        db.session, _client(person), med,
        step_plans.PlanInput(kind=PlanKind.TAPER, amounts=[D(a) for a in amounts],
                             first_day=first, interval_days=interval,
                             checkpoint_days=checkpoint_days), now)
    db.session.commit()
    return plan


@pytest.fixture(autouse=True)
def stay_signed_in(app):
    """Days pass in these tests; the person stays signed in (not what is tested here)."""
    app.config.update(TEND_SESSION_IDLE=timedelta(days=3650),
                      TEND_SESSION_ABSOLUTE=timedelta(days=3650))


@pytest.fixture
def taper(app, clock, alice):
    clock.set(NOW)
    med = _add(alice)
    return med, _plan(alice, med)


def _amount_on(person, med, day, now=NOW):
    return medications.version_on(med, _client(person), day, now).amount


def _doses_on(day):
    rows = db.session.scalars(select(PlannedDose).where(PlannedDose.local_date == day)
                              .order_by(PlannedDose.local_time)).all()
    return [(row.local_time.strftime("%H:%M"), row.regimen.amount) for row in rows]


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html_text.unescape(response.get_data(as_text=True))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Amounts as people write them --------------------------------------------------------

@pytest.mark.parametrize("text, amount", [("1", "1"), ("0.5", "0.5"), ("0,75", "0.75"),
                                          ("½", "0.5"), ("1½", "1.5"), ("1/4", "0.25"),
                                          ("1 1/2", "1.5"), ("2.25", "2.25")])
def test_it_reads_fractions_and_decimals(app, text, amount):
    assert plan_amount(text, "steps") == D(amount)


@pytest.mark.parametrize("text", ["1/3", "0", "abc", "1/0", "101", "0.125", ""])
def test_it_refuses_amounts_it_cannot_keep_exactly(app, text):
    with app.test_request_context(), pytest.raises(FieldError) as refused:
        plan_amount(text, "steps")
    assert refused.value.field == "steps"


def test_it_makes_the_steps_from_a_start_a_step_and_a_target(app):
    assert step_plans.steps_between(D(1), D("0.25"), D("0.25")) == \
        [D(1), D("0.75"), D("0.5"), D("0.25")]
    assert step_plans.steps_between(D("0.5"), D("0.5"), D("1.75")) == \
        [D("0.5"), D(1), D("1.5"), D("1.75")]
    assert plan_amounts("1, ¾; ½\n¼") == [D(1), D("0.75"), D("0.5"), D("0.25")]


# --- Each step is a regimen version -------------------------------------------------------

def test_each_step_is_a_version_from_its_first_day(taper, alice):
    med, plan = taper
    assert [_amount_on(alice, med, FIRST + timedelta(days=n)) for n in (-1, 0, 6, 7, 14, 40)] \
        == [1, D("0.75"), D("0.75"), D("0.5"), D("0.25"), D("0.25")]
    assert [s.starts_on for s in plan.steps] == [FIRST, date(2026, 12, 10), date(2026, 12, 17)]
    assert step_plans.status_of(plan, NOW) == "active"
    assert step_plans.current_step(plan, NOW) is None


def test_doses_per_day_equal_the_steps(taper, alice, clock):
    med, _ = taper
    for day, amount in [(date(2026, 12, 2), 1), (FIRST, D("0.75")),
                        (date(2026, 12, 10), D("0.5")), (date(2026, 12, 17), D("0.25"))]:
        clock.set(datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc))
        schedule.plan_doses(db.session, _client(alice), clock())
        db.session.commit()
        assert _doses_on(day) == [("08:00", amount), ("20:00", amount)], day


def test_today_shows_the_new_amount_on_the_day_a_step_starts(taper, alice, client, clock):
    clock.set(datetime(2026, 12, 10, 7, 0, tzinfo=timezone.utc))
    login(client, alice)
    text = _text(_page(client.get("/today")))
    assert text.count("½ tablet") == 2, text  # 08:00 and 20:00, at the second step's amount
    assert "¾ tablet" not in text


def test_the_medication_page_lists_the_steps_with_their_dates(taper, alice, client):
    login(client, alice)
    med, _ = taper
    text = _text(_page(client.get(f"/medications/{med.id}")))
    assert "Taper" in text
    for line in ["Step 1 · ¾ tablet · from Dec 3", "Step 2 · ½ tablet · from Dec 10",
                 "Step 3 · ¼ tablet · from Dec 17"]:
        assert line in text, text


def test_the_supply_follows_the_steps(app, clock, alice):
    clock.set(NOW)
    med = _add(alice, units=20)
    # Without a plan: 2 a day, 20 last 10 days.
    assert medications.runs_out_on(med, _client(alice), NOW) == date(2026, 12, 11)
    _plan(alice, med)
    # 1-2 Dec: 4 used; 3-9 Dec at ¾: 10.5; from 10 Dec at ½, 1 a day: 5.5 left last 5 days.
    assert medications.runs_out_on(med, _client(alice), NOW) == date(2026, 12, 15)


# --- Hold, step back, pause --------------------------------------------------------------

def test_hold_keeps_the_current_step_and_drops_the_rest(taper, alice, clock):
    med, plan = taper
    later = datetime(2026, 12, 11, 9, 0, tzinfo=timezone.utc)
    clock.set(later)
    step_plans.hold(db.session, _client(alice), plan, later)
    db.session.commit()
    assert plan.status is PlanStatus.HELD
    assert step_plans.current_step(plan, later).ordinal == 2
    assert _amount_on(alice, med, date(2026, 12, 30), later) == D("0.5")
    assert medications.scheduled_versions(med, later) == []
    assert _doses_on(date(2026, 12, 13)) == [("08:00", D("0.5")), ("20:00", D("0.5"))]


def test_step_back_goes_to_the_previous_amount_now_and_tries_again_later(taper, alice, clock):
    med, plan = taper
    later = datetime(2026, 12, 11, 9, 0, tzinfo=timezone.utc)
    clock.set(later)
    step_plans.step_back(db.session, _client(alice), plan, later)
    db.session.commit()
    assert _amount_on(alice, med, date(2026, 12, 11), later) == D("0.75")
    assert step_plans.current_step(plan, later).ordinal == 1
    assert [s.starts_on for s in plan.steps[1:]] == [date(2026, 12, 18), date(2026, 12, 25)]
    assert _amount_on(alice, med, date(2026, 12, 18), later) == D("0.5")
    assert _doses_on(date(2026, 12, 11)) == [("08:00", D("0.5")), ("20:00", D("0.75"))]


def test_pause_suspends_the_steps_and_resume_shifts_them(taper, alice, clock):
    med, plan = taper
    paused_at = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
    step_plans.pause(db.session, _client(alice), plan, paused_at)
    db.session.commit()
    assert _amount_on(alice, med, date(2026, 12, 20), paused_at) == D("0.75")
    resumed_at = datetime(2026, 12, 9, 9, 0, tzinfo=timezone.utc)
    step_plans.resume(db.session, _client(alice), plan, resumed_at)
    db.session.commit()
    assert [s.starts_on for s in plan.steps] == [FIRST, date(2026, 12, 14), date(2026, 12, 21)]
    assert _amount_on(alice, med, date(2026, 12, 14), resumed_at) == D("0.5")
    assert _amount_on(alice, med, date(2026, 12, 13), resumed_at) == D("0.75")


def test_a_plan_is_refused_when_its_steps_do_not_go_one_way(app, clock, alice):
    clock.set(NOW)
    med = _add(alice)
    with app.test_request_context(), pytest.raises(FieldError) as refused:
        _plan(alice, med, amounts=("0.75", "1"))
    assert refused.value.field == "steps"
    db.session.rollback()
    _plan(alice, med)
    with app.test_request_context(), pytest.raises(Conflict):
        _plan(alice, med)


# --- The pages ----------------------------------------------------------------------------

def _form(client, path):
    return csrf_token(client, path)


def test_a_taper_of_four_steps_is_entered_in_one_form(app, clock, alice, client):
    clock.set(NOW)
    med = _add(alice)
    login(client, alice)
    path = f"/medications/{med.id}/plans/new"
    assert "Plan the steps" in _page(client.get(path))
    response = client.post(path, data={
        "csrf_token": _form(client, path), "kind": "taper", "way": "by_size",
        "start_amount": "1", "step_size": "¼", "target_amount": "1/4",
        "first_day": "2026-12-01", "interval": "2", "interval_unit": "weeks",
        "checkpoint": "y", "checkpoint_days": "10"})
    assert response.status_code == 302, _page(response)
    text = _text(_page(client.get(f"/medications/{med.id}")))
    for line in ["Step 1 · 1 tablet · from Dec 1", "Step 2 · ¾ tablet · from Dec 15",
                 "Step 3 · ½ tablet · from Dec 29", "Step 4 · ¼ tablet · from Jan 12"]:
        assert line in text, text
    assert "37.5 mg" in text and "Hold here" in text and "Pause the plan" in text
    assert "“How is this step going?” from Dec 11" in text
    clock.set(datetime(2026, 12, 11, 9, 0, tzinfo=timezone.utc))
    html = _page(client.get(f"/medications/{med.id}"))
    link = re.search(r'href="(/experiments/new\?[^"]+)">How is this step going\?', html)
    assert link, _text(html)
    experiment_form = _page(client.get(link.group(1)))
    assert 'value="2026-12-01"' in experiment_form and "Sertraline step 1" in experiment_form


def test_a_plan_form_with_an_amount_it_cannot_read_says_so_at_the_field(app, clock, alice,
                                                                        client):
    clock.set(NOW)
    med = _add(alice)
    login(client, alice)
    path = f"/medications/{med.id}/plans/new"
    response = client.post(path, data={
        "csrf_token": _form(client, path), "kind": "taper", "way": "list",
        "steps": "1, ⅓, ¼", "first_day": "2026-12-01", "interval": "4",
        "interval_unit": "weeks"})
    assert response.status_code == 400
    html = html_text.unescape(response.get_data(as_text=True))
    assert re.search(r'id="steps-error">Write each amount as a number or a fraction', html)


def test_hold_step_back_and_pause_from_the_medication_page(taper, alice, client, clock):
    med, plan = taper
    clock.set(datetime(2026, 12, 11, 9, 0, tzinfo=timezone.utc))
    login(client, alice)
    page_path = f"/medications/{med.id}"
    token = _form(client, page_path)
    response = client.post(f"{page_path}/plans/{plan.id}/step-back", data={"csrf_token": token})
    assert response.status_code == 302
    text = _text(_page(client.get(page_path)))
    assert "Stepped back" in text and "Step 2 · ½ tablet · from Dec 18" in text
    client.post(f"{page_path}/plans/{plan.id}/hold", data={"csrf_token": token})
    text = _text(_page(client.get(page_path)))
    assert "Held at this step" in text and "Not planned" in text
    assert "Pause the plan" not in text and "Plan a taper or titration" in text
    today = _text(_page(client.get("/today")))
    evening = today.split("8:00 PM Sertraline")[1]  # the morning dose was due at step 2's ½
    assert evening.startswith(" 50 mg ¾ tablet"), evening[:80]
    assert client.post(f"{page_path}/plans/{plan.id}/nonsense",
                       data={"csrf_token": token}).status_code == 404


def test_someone_elses_plan_is_not_found(taper, dave, client):
    med, plan = taper
    login(client, dave)
    token = csrf_token(client, "/today")
    assert client.post(f"/medications/{med.id}/plans/{plan.id}/hold",
                       data={"csrf_token": token}).status_code == 404
    assert client.get(f"/medications/{med.id}/plans/new").status_code == 404


# --- Export -----------------------------------------------------------------------------

def test_the_fhir_export_gives_each_step_its_dosage_and_timing(taper, alice, client):
    login(client, alice)
    document = json.loads(client.get("/my-data/tend-fhir.json").data)
    Bundle.model_validate(document)
    steps = sorted((r["dosage"][0]["sequence"], r["status"], r["effectivePeriod"]["start"][:10],
                    r["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"],
                    r["dosage"][0]["timing"]["repeat"]["timeOfDay"])
                   for r in (e["resource"] for e in document["entry"])
                   if r["resourceType"] == "MedicationStatement"
                   and "sequence" in r["dosage"][0])
    assert steps == [(1, "intended", "2026-12-03", 0.75, ["08:00:00", "20:00:00"]),
                     (2, "intended", "2026-12-10", 0.5, ["08:00:00", "20:00:00"]),
                     (3, "intended", "2026-12-17", 0.25, ["08:00:00", "20:00:00"])]


def test_the_json_export_holds_the_plan_and_its_steps(taper, alice, client):
    login(client, alice)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/my-data/tend-export.zip").data))
    kinds = json.loads(archive.read("tend.json"))["kinds"]
    assert [(p["kind"], p["status"], p["interval_days"], p["amount_before"])
            for p in kinds["step_plans"]] == [("taper", "active", 7, "1.00")]
    regimens = {r["id"]: r for r in kinds["regimens"]}
    assert [(s["ordinal"], s["amount"], s["starts_on"], regimens[s["regimen_id"]]["amount"])
            for s in kinds["plan_steps"]] == [(1, "0.75", "2026-12-03", "0.75"),
                                             (2, "0.50", "2026-12-10", "0.50"),
                                             (3, "0.25", "2026-12-17", "0.25")]
    assert "csv/plan_steps.csv" in archive.namelist()


def test_after_a_step_back_each_earlier_version_keeps_its_step_label(taper, alice, client,
                                                                      clock):
    """Issue 17, left: stepping back moved the step's link to the new version, so the
    versions the steps had carried lost their "plan step N of M" in the dose history."""
    med, plan = taper
    clock.set(datetime(2026, 12, 11, 9, 0, tzinfo=timezone.utc))  # step 2 (½) since Dec 10
    login(client, alice)
    page_path = f"/medications/{med.id}"
    client.post(f"{page_path}/plans/{plan.id}/step-back",
                data={"csrf_token": _form(client, page_path)})
    html = _page(client.get(page_path))
    history = _text(html.split('id="versions-heading"')[1])
    lines = re.findall(r"changed · (\w+ \d+), 2026(?: · plan step (\d) of 3)? 50 mg (\S+)",
                       history)
    assert lines == [("Dec 25", "3", "¼"), ("Dec 18", "2", "½"),
                     ("Dec 11", "1", "¾"),  # stepped back to step 1's amount
                     ("Dec 10", "2", "½"), ("Dec 3", "1", "¾")], history
