"""Building blocks for the reminder tests: a client's medication, and a device subscribed
through the local push receiver."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser

from sqlalchemy import insert, select

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


def seed_due_reminders(client_id: int, devices: list, doses_per_device: int,
                       due_at: datetime) -> int:
    """``doses_per_device`` due dose reminders for each receiver device, inserted in bulk
    (one medication, planned doses spread over distinct local days and times). Returns the
    number of reminders."""
    client = db.session.get(User, client_id)
    med = add_medication_row(client, due_at)
    doses = [{"client_id": client.id, "medication_id": med.id, "regimen_id": med.regimens[0].id,
              "local_date": date(2030, 1, 1) + timedelta(days=i // 1440),
              "local_time": time((i % 1440) // 60, i % 60), "timezone": client.timezone,
              "due_at": due_at} for i in range(doses_per_device)]
    db.session.execute(insert(PlannedDose), doses)
    dose_ids = db.session.scalars(select(PlannedDose.id)
                                  .where(PlannedDose.medication_id == med.id)).all()
    subs = []
    for device in devices:
        subs.append(PushSubscription(user_id=client.id, endpoint=device.endpoint,
                                     p256dh=device.p256dh, auth=device.auth, created_at=due_at))
    db.session.add_all(subs)
    db.session.flush()
    rows = [{"user_id": client.id, "subscription_id": sub.id, "planned_dose_id": dose_id,
             "medication_id": med.id, "kind": "dose", "status": "pending", "due_at": due_at,
             "expires_at": due_at + timedelta(hours=1), "next_attempt_at": due_at,
             "attempts": 0, "last_error": ""} for sub in subs for dose_id in dose_ids]
    db.session.execute(insert(Reminder), rows)
    db.session.commit()
    return len(rows)


def add_medication_row(client: User, now: datetime):
    """A medication with an as-needed regimen: the planner adds no doses of its own."""
    spec = medications.RegimenSpec(as_needed=True)
    med, _ = medications.create_medication(
        db.session, client, name="Lithium", form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=spec, started_on=now.date(), now=now)
    db.session.flush()
    return med


class _FormValues(HTMLParser):
    """What a browser would submit from the page's reminder settings form, as it stands."""

    def __init__(self):
        super().__init__()
        self.values, self.inside, self.select = {}, False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "data-reminder-settings" in attrs:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.values[attrs["name"]] = attrs.get("value") or ("y" if attrs.get("type")
                                                                     == "checkbox" else "")
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and ("selected" in attrs
                                                  or self.select not in self.values):
            self.values[self.select] = attrs.get("value")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def post_reminder_settings(client, **changes):
    """Submit the reminder settings page's one form with ``changes`` (None unticks a box)."""
    parser = _FormValues()
    parser.feed(client.get("/reminders").get_data(as_text=True))
    data = {**parser.values, **changes}
    return client.post("/reminders", data={k: v for k, v in data.items() if v is not None})
