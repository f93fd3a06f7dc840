"""Building blocks for the reminder tests: a client's medication, and a device subscribed
through the local push receiver."""
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from models import MedicationKind, PlannedDose, PushSubscription, Reminder, User, db
from tend.services import medications

# A Monday in winter: Europe/London is on UTC, so 08:00 local is 08:00 UTC.
MONDAY = date(2026, 1, 12)


def at(hour: int, minute: int = 0, second: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=timezone.utc)


def add_medication(person, now: datetime, times=("08:00",), name="Sertraline",
                   units_on_hand=None, strength=Decimal("50")):
    client = db.session.get(User, person.id)
    spec = medications.RegimenSpec(times=list(times), strength=strength, strength_unit="mg")
    med, _ = medications.create_medication(
        db.session, client, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=spec, started_on=now.date(), now=now, units_on_hand=units_on_hand)
    db.session.commit()
    return med


def subscribe(person, receiver_sub, now: datetime, session_id=None) -> PushSubscription:
    sub = PushSubscription(user_id=person.id, endpoint=receiver_sub.endpoint,
                           p256dh=receiver_sub.p256dh, auth=receiver_sub.auth,
                           user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/130.0",
                           session_id=session_id, created_at=now)
    db.session.add(sub)
    db.session.commit()
    return sub


def first_dose(med, local_date: date = MONDAY) -> PlannedDose:
    return db.session.scalars(
        select(PlannedDose).where(PlannedDose.medication_id == med.id,
                                  PlannedDose.local_date == local_date)
        .order_by(PlannedDose.local_time)).first()


def reminders() -> list[Reminder]:
    db.session.expire_all()
    return db.session.scalars(select(Reminder).order_by(Reminder.id)).all()
