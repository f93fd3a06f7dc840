"""Today only reads once the day's doses are planned: no commit, no second read of what a
commit would leave to be read again."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from models import User, db
from tend.services import medications
from tests.conftest import login
from tests.records import add_medication
from tests.test_insights import statements

UTC = timezone.utc
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def second_visit_statements(app, person) -> list[str]:
    browser = app.test_client()
    login(browser, person)
    assert browser.get("/today").status_code == 200  # the first visit of the day may plan
    with statements() as sent:
        assert browser.get("/today").status_code == 200
    return sent


def test_a_later_days_visit_after_a_change_of_dose_reads_as_much_as_without_one(
        app, clock, alice, dave):
    """A version that ended (the dose before a change) has nothing left to plan; planning
    said it had planned something on every visit of a later day (before: 12 statements, a
    commit and the medications and the user read again, instead of 8)."""
    clock.set(START)
    changed = add_medication(alice, START, times=("08:00", "20:00"), tracking_from=START)
    add_medication(dave, START, times=("08:00", "20:00"), tracking_from=START)
    client = db.session.get(User, alice.id)
    medications.change_regimen(
        db.session, client, medications.medication_of(db.session, client, changed.id),
        medications.RegimenSpec(amount=Decimal(2), strength=Decimal(50), strength_unit="mg",
                                times=["08:00", "20:00"]), START + timedelta(days=1), START)
    db.session.commit()

    clock.set(START + timedelta(days=9))
    after_a_change, without = second_visit_statements(app, alice), second_visit_statements(app, dave)

    assert len(after_a_change) == len(without)
    assert not [s for s in after_a_change if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
