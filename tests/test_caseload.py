"""A therapist's caseload: who may need attention, from what each client shares.

Each flag is computed only from a granted category and only from the days its grant covers;
rows sort by flags, then by the last shared activity, shown as a date."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from models import Category, DoseStatus, MedicationKind, Role, Severity, SkipReason, User, db
from tend.services import journal
from tests.conftest import login, make_person
from tests.sharing_world import link

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)   # Europe/London = UTC in March
TODAY = NOW.date()


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _user(person) -> User:
    return db.session.get(User, person.id)


def checkin(person, day: date, values: dict, now: datetime | None = None) -> None:
    journal.save_checkin(db.session, _user(person), day, values, now or at(day, 20))
    db.session.commit()


def caseload(client, therapist) -> str:
    login(client, therapist)
    response = client.get("/care/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def now(clock):
    clock.set(NOW)
    return NOW


def test_last_shared_activity_ignores_a_note_edited_in_an_ungranted_category(client, now,
                                                                                alice, bob):
    """A sleep-only therapist: Alice editing just today's check-in note does not move the
    date they see, and no time of day is shown."""
    checkin(alice, ago(5), {"sleep_hours": Decimal(7)})
    checkin(alice, TODAY, {"note": "only words"}, now)
    link(alice, bob, [Category.SLEEP], from_date=ago(20))
    body = caseload(client, bob)
    assert "Mar 15, 2026" in body
    assert "Mar 20, 2026" not in body
    assert "12:00" not in body and "PM" not in body


# --- One flag each: shown within the grant, never from an ungranted category or earlier days --

def _medication(person, name="Sertraline", **spec):
    from tend.services import medications, schedule
    client = _user(person)
    spec = medications.RegimenSpec(amount=Decimal(1), strength=Decimal(50), strength_unit="mg",
                                   **({"times": ["08:00"]} | spec))
    med, _ = medications.create_medication(
        db.session, client, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=spec, started_on=ago(40), now=at(ago(40), 7))
    schedule.plan_doses(db.session, client, NOW)
    db.session.commit()
    return med


def seed_side_effect(person, symptom="dry mouth", severity=Severity.MODERATE):
    journal.record_side_effect(db.session, _user(person), journal.SideEffectInput(
        symptom=symptom, severity=severity, started_on=ago(3), ended_on=None,
        medication_ids=[]), at(ago(3)))
    db.session.commit()


def seed_red_flag(person):
    seed_side_effect(person, "chest pain", Severity.MILD)


def seed_skip(person):
    from models import PlannedDose
    from sqlalchemy import select
    from tend.services import doses
    med = _medication(person)
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == ago(2)))
    doses.record(db.session, _user(person), medication_id=med.id, planned_dose_id=planned.id,
                 status=DoseStatus.SKIPPED, skip_reason=SkipReason.SIDE_EFFECTS,
                 now=at(ago(2)))
    db.session.commit()


def seed_low_mood(person):
    for days_ago in range(0, 36):
        if days_ago != 7:
            checkin(person, ago(days_ago), {"mood": 2 if days_ago < 7 else 4})


def seed_not_helping(person):
    from models.decisions import Checkpoint, Experiment, ExperimentKind, Verdict
    experiment = Experiment(client_id=person.id, kind=ExperimentKind.CHANGE,
                            title="Evening dose", changed_on=ago(20), hopes="sleep better",
                            created_at=at(ago(20)))
    experiment.checkpoints = [Checkpoint(due_on=ago(2), verdict=Verdict.NOT_HELPING,
                                         completed_at=at(ago(2)))]
    db.session.add(experiment)
    db.session.commit()


def seed_quiet_sleep(person):
    for days_ago in range(9, 15):
        checkin(person, ago(days_ago), {"sleep_hours": Decimal(7)})


def _as_needed(person, days_ago_list, limit=None):
    from tend.services import doses
    med = _medication(person, "Ibuprofen", as_needed=True, max_per_day=limit, times=[])
    for index, days_ago in enumerate(days_ago_list):
        doses.record(db.session, _user(person), medication_id=med.id, status=DoseStatus.TAKEN,
                     now=at(ago(days_ago), 8 + index % 12), taken_at=at(ago(days_ago),
                                                                          8 + index % 12))
    db.session.commit()


def seed_above_limit(person):
    _as_needed(person, [1] * 5, limit=3)


def seed_rising(person):
    _as_needed(person, [10, 1, 2, 3, 4, 5])


def seed_change_ahead(person):
    from tend.services import medications
    med = _medication(person)
    spec = medications.RegimenSpec(amount=Decimal(1), strength=Decimal(75), strength_unit="mg",
                                   times=["08:00"])
    medications.change_regimen(db.session, _user(person), med, spec, at(TODAY + timedelta(5), 6),
                               NOW)
    db.session.commit()


# flag, how to seed it, the category it needs, and a grant window that leaves it out
# (from_date, until_date), with what the row then says
FLAG_CASES = [
    ("side_effect", seed_side_effect, Category.SIDE_EFFECTS, (ago(2), None),
     "New side effect: dry mouth (moderate"),
    ("red_flag", seed_red_flag, Category.SIDE_EFFECTS, (ago(2), None),
     "Can need urgent help: chest pain"),
    ("skipped_for_side_effects", seed_skip, Category.DOSE_LOG, (ago(1), None),
     "1 dose skipped because of side effects in the last 7 days"),
    ("below_usual", seed_low_mood, Category.MOOD, (ago(5), None), "Mood below their own usual"),
    ("checkpoint", seed_not_helping, Category.QUESTIONS, (ago(10), None),
     "Checkpoint of “Evening dose” answered “not helping”"),
    ("quiet", seed_quiet_sleep, Category.SLEEP, (ago(8), None),
     "No entries in Sleep since Mar 11, 2026"),
    ("as_needed_above_limit", seed_above_limit, Category.MEDICATIONS, (TODAY, None),
     "Ibuprofen: taken 5 times in one day, more than its limit of 3"),
    ("as_needed_rising", seed_rising, Category.MEDICATIONS, (ago(3), None),
     "Ibuprofen: taken when needed 5 times in the last 7 days"),
    ("change_ahead", seed_change_ahead, Category.MEDICATIONS, (ago(60), TODAY + timedelta(2)),
     "Medication change on Mar 25, 2026: Sertraline"),
]
EVERY_DATA_CATEGORY = [c for c in Category if c is not Category.MANAGE_REMINDERS]


@pytest.mark.parametrize("kind, seed, category, outside, text",
                         FLAG_CASES, ids=[case[0] for case in FLAG_CASES])
def test_each_flag_shows_only_within_its_grant(client, now, alice, bob, kind, seed, category,
                                               outside, text):
    seed(alice)
    therapist_link = link(alice, bob, [category], from_date=ago(60))
    body = caseload(client, bob)
    assert f'data-flag="{kind}"' in body
    assert text in body
    # every other category shared, this one not: no flag
    therapist_link.grants = []
    db.session.flush()
    from models import Grant
    therapist_link.grants = [Grant(category=c, from_date=ago(60), created_at=NOW)
                             for c in EVERY_DATA_CATEGORY if c is not category]
    db.session.commit()
    assert f'data-flag="{kind}"' not in client.get("/care/").get_data(as_text=True)
    # this category shared, but not the days the evidence is from: no flag
    therapist_link.grants = [Grant(category=category, from_date=outside[0],
                                   until_date=outside[1], created_at=NOW)]
    db.session.commit()
    assert f'data-flag="{kind}"' not in client.get("/care/").get_data(as_text=True)


def test_flags_link_to_their_evidence_on_the_client_page(client, now, alice, bob):
    seed_side_effect(alice)
    link(alice, bob, [Category.SIDE_EFFECTS], from_date=ago(60))
    body = caseload(client, bob)
    assert f'href="/care/clients/{alice.id}#se-heading"' in body
    page = client.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    assert 'id="se-heading"' in page and "dry mouth" in page


def test_the_page_says_how_below_usual_is_computed(client, now, alice, bob):
    link(alice, bob, [Category.MOOD], from_date=ago(60))
    body = caseload(client, bob)
    assert "at least 1 point under its average over the 4 weeks before" in body


def test_rows_sort_by_flags_then_by_last_shared_activity(client, now, alice, bob, dave):
    erin = make_person("erin@example.com", "Erin", Role.CLIENT)
    checkin(dave, ago(1), {"mood": 3})            # recent, no flags
    checkin(erin, ago(4), {"mood": 3})            # older, no flags
    seed_side_effect(alice)                         # a flag: first
    checkin(alice, ago(6), {"mood": 3})
    for person in (alice, dave, erin):
        link(person, bob, [Category.MOOD, Category.SIDE_EFFECTS], from_date=ago(60))
    body = caseload(client, bob)
    order = [body.index(f'data-client="{name}"') for name in ("Alice", "Dave", "Erin")]
    assert order == sorted(order)


def test_the_access_log_says_the_client_was_seen_in_the_client_list(app, client, now, alice,
                                                                    bob):
    link(alice, bob, [Category.MOOD], from_date=ago(60))
    caseload(client, bob)
    as_alice = app.test_client()
    login(as_alice, alice)
    log = as_alice.get("/sharing/log").get_data(as_text=True)
    assert "Bob Lee saw you in their client list" in log
    assert "viewed Caseload" not in log


def _statements_for(client, path: str) -> list[str]:
    from sqlalchemy import event
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements


def _clients_sharing_everything(bob, first: int, last: int) -> None:
    for number in range(first, last):
        person = make_person(f"client{number}@example.com", f"Client {number}", Role.CLIENT)
        seed_side_effect(person)
        checkin(person, ago(2), {"mood": 2, "sleep_hours": Decimal(6), "note": "n"})
        _as_needed(person, [1, 1], limit=3)
        link(person, bob, EVERY_DATA_CATEGORY, from_date=ago(60))


def test_the_caseload_takes_the_same_number_of_queries_for_2_or_10_clients(app, now, bob):
    counts = []
    for first, last in ((0, 2), (2, 10)):
        _clients_sharing_everything(bob, first, last)
        as_bob = app.test_client()
        login(as_bob, bob)
        as_bob.get("/care/")  # the first visit may plan doses; count a later one
        statements = _statements_for(as_bob, "/care/")
        assert "Client 1" in as_bob.get("/care/").get_data(as_text=True)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts
