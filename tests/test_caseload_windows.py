"""A therapist's caseload where every client shares from a day of their own, in their own time
zone: the list reads all clients' windows in one statement per figure, and each flag must
still respect that client's own window, to the local day.

Half the clients have their evidence on the last local day just outside their window (the day
before "from", a change the day after "until"), half on the first or last day inside it."""
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import (AccessLogEntry, Category, DoseStatus, Grant, MedicationKind, PlannedDose,
                    Role, Severity, SkipReason, User, db)
from tend.services import doses, journal, medications, schedule
from tests.conftest import login, make_person
from tests.sharing_world import link

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
# Far east and far west of UTC: a local day boundary is hours away from the UTC one.
ZONES = ["Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata", "Europe/London"]
CLIENTS = 12


def local(day: date, hour: int, minute: int, zone: str) -> datetime:
    return schedule.local_moment(day, time(hour, minute), ZoneInfo(zone))


def spec(strength=50):
    return medications.RegimenSpec(amount=Decimal(1), strength=Decimal(strength),
                                   strength_unit="mg", times=["00:30", "23:30"])


def skip_dose(user: User, med, day: date, hour: int, minute: int) -> None:
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == day,
        PlannedDose.due_at == local(day, hour, minute, user.timezone)))
    doses.record(db.session, user, medication_id=med.id, planned_dose_id=planned.id,
                 status=DoseStatus.SKIPPED, skip_reason=SkipReason.SIDE_EFFECTS, now=NOW)


def seed_client(number: int, therapist) -> tuple[str, bool]:
    """A client sharing side effects and the dose log from a day of their own and medications
    until a day of their own; the evidence is inside the window for odd numbers and on the
    day just outside it for even ones."""
    zone = ZONES[number % len(ZONES)]
    name = f"Client {number:02}"
    person = make_person(f"client{number}@example.com", name, Role.CLIENT, zone)
    user = db.session.get(User, person.id)
    from_day = TODAY - timedelta(days=1 + number // 2)
    until_day = TODAY + timedelta(days=2 + number // 2)
    inside = number % 2 == 1
    med, _ = medications.create_medication(
        db.session, user, name="Sertraline", form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=spec(), started_on=TODAY - timedelta(days=40), now=NOW - timedelta(days=40))
    schedule.plan_doses(db.session, user, NOW)
    side_effect_day = from_day if inside else from_day - timedelta(days=1)
    journal.record_side_effect(db.session, user, journal.SideEffectInput(
        symptom="dry mouth", severity=Severity.MODERATE, started_on=side_effect_day,
        ended_on=None, medication_ids=[]), NOW)
    if inside:   # the first dose of the first day shared
        skip_dose(user, med, from_day, 0, 30)
    else:        # the last dose of the day before
        skip_dose(user, med, from_day - timedelta(days=1), 23, 30)
    change = local(until_day, 23, 0, zone) if inside else \
        local(until_day + timedelta(days=1), 0, 30, zone)
    medications.change_regimen(db.session, user, med, spec(75), change, NOW)
    db.session.commit()
    care_link = link(person, therapist, [Category.SIDE_EFFECTS, Category.DOSE_LOG],
                     from_date=from_day)
    care_link.grants.append(Grant(category=Category.MEDICATIONS, until_date=until_day,
                                  created_at=NOW))
    db.session.commit()
    return name, inside


def rows_of(body: str) -> dict[str, set[str]]:
    """Each client's row on the caseload: the kinds of flag it shows."""
    rows = {}
    for part in body.split('data-client="')[1:]:
        name = part.split('"', 1)[0]
        rows[name] = set(re.findall(r'data-flag="([a-z_]+)"', part))
    return rows


@pytest.fixture
def now(clock):
    clock.set(NOW)
    return NOW


def test_each_clients_own_window_decides_their_flags(client, now, bob):
    clients = dict(seed_client(number, bob) for number in range(CLIENTS))
    login(client, bob)
    response = client.get("/care/")
    assert response.status_code == 200
    rows = rows_of(response.get_data(as_text=True))
    assert set(rows) == set(clients)
    expected = {"side_effect", "skipped_for_side_effects", "change_ahead"}
    for name, inside in clients.items():
        if inside:
            assert expected <= rows[name], (name, rows[name])
        else:
            assert not expected & rows[name], (name, rows[name])
    # each client in the list is logged as seen, once, with what they share
    logged = dict(db.session.execute(
        select(AccessLogEntry.client_id, func.count()).group_by(AccessLogEntry.client_id)).all())
    ids = db.session.scalars(select(User.id).where(User.role == Role.CLIENT)).all()
    assert logged == {client_id: 1 for client_id in ids}
