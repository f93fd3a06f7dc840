"""Records the browser tests start from, made directly in the database."""
from datetime import date, datetime, timezone
from decimal import Decimal

from models import MedicationKind, User, db
from tend.services import medications

# 1 December 2026, 10:00 UTC: the day these tests' stories begin (Europe/London: on UTC).
DECEMBER_FIRST = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def add_sertraline(person, tablets: int, strength_mg: int, units_on_hand: int) -> int:
    """Sertraline tablets taken at 08:00 and 20:00 since 1 November, for ``person`` (who
    reads dates in British English): the medication's id."""
    client = db.session.get(User, person.id)
    client.locale = "en_GB"
    med, _ = medications.create_medication(
        db.session, client, name="Sertraline", form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=medications.RegimenSpec(amount=Decimal(tablets), strength=Decimal(strength_mg),
                                     strength_unit="mg", times=["08:00", "20:00"]),
        started_on=date(2026, 11, 1), now=datetime(2026, 11, 1, 7, tzinfo=timezone.utc),
        units_on_hand=Decimal(units_on_hand))
    db.session.commit()
    return med.id
