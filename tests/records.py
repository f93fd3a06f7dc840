"""Helpers that build a client's record through the real services."""
from datetime import date, datetime
from decimal import Decimal

from models import MedicationKind, User, db
from tend.services import medications


def add_medication(person, now: datetime, name="Sertraline", times=("08:00",), strength=50,
                   amount=1, as_needed=False, max_per_day=None, weekdays=(), started_on=None,
                   tracking_from=None, units_on_hand=None):
    client = db.session.get(User, person.id)
    med, _ = medications.create_medication(
        db.session, client, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=medications.RegimenSpec(amount=Decimal(amount), strength=Decimal(strength),
                                     strength_unit="mg", as_needed=as_needed,
                                     max_per_day=max_per_day, times=list(times),
                                     weekdays=list(weekdays)),
        started_on=started_on or date(2026, 1, 1), now=now, tracking_from=tracking_from,
        units_on_hand=Decimal(units_on_hand) if units_on_hand is not None else None)
    db.session.commit()
    return med
