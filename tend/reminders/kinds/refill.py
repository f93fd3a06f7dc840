"""Refill reminders: in the daytime, when a medication's tracked supply runs out within the
number of days the client chose."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, joinedload

from models import (Medication, MedicationReminder, MedicationStatus, PushSubscription,
                    Reminder, ReminderKind, ReminderSettings, User)
from tend.reminders import messages, outbox
from tend.reminders.choices import in_quiet_hours, medication_rule, settings_of
from tend.reminders.outbox import Wanted
from tend.services import medications, schedule

KINDS = (ReminderKind.REFILL,)
URGENCY = "high"
WINDOW = timedelta(hours=12)
DAYTIME = (time(9, 0), time(20, 0))  # refill reminders only in the daytime


def wanted(medication: Medication, rule: MedicationReminder, settings: ReminderSettings,
           runs_out: date | None, today: date) -> bool:
    """The one rule, when planning and right before sending: the medication is active and
    reminded, and its supply runs out within the client's chosen number of days."""
    return medication.status is MedicationStatus.ACTIVE and rule.enabled \
        and bool(settings.refill_days) and runs_out is not None \
        and (runs_out - today).days <= settings.refill_days


def _wanted_now(db: Session, medication: Medication, client: User, settings: ReminderSettings,
                now: datetime) -> tuple[bool, date | None]:
    runs_out = medications.runs_out_on(medication, client, now)
    return wanted(medication, medication_rule(db, medication.id), settings, runs_out,
                  schedule.local_today(client, now)), runs_out


def next_daytime(client: User, now: datetime) -> datetime:
    """Now, if it is daytime for the client, else the next morning."""
    zone = ZoneInfo(client.timezone)
    local = now.astimezone(zone)
    first, last = DAYTIME
    if first <= local.time() < last:
        return now
    day = local.date() if local.time() < first else local.date() + timedelta(days=1)
    return schedule.local_moment(day, first, zone)


def plan(db: Session, client: User, devices: list[PushSubscription], now: datetime,
         horizon: timedelta) -> None:
    """One reminder per device and supply running out, at the next daytime moment outside
    quiet hours (a later pass, after the quiet hours, plans one that falls in them)."""
    settings = settings_of(db, client.id)
    if not settings.refill_days:
        return
    due = next_daytime(client, now)
    if in_quiet_hours(settings, due.astimezone(ZoneInfo(client.timezone)).time()):
        return
    rows = []
    for med in medications.medications_of(db, client):
        is_wanted, runs_out = _wanted_now(db, med, client, settings, now)
        if is_wanted:
            rows += outbox.new_rows(client.id, [d.id for d in devices],
                                    Wanted(ReminderKind.REFILL, due, due + WINDOW),
                                    medication_id=med.id, refill_for=runs_out)
    outbox.add_ignoring_duplicates(db, rows)


def load(db: Session, reminder_ids: list[int]) -> list[Reminder]:
    return outbox.loaded(db, reminder_ids, joinedload(Reminder.medication))


def still_wanted(db: Session, reminders: list[Reminder], now: datetime) -> set[int]:
    """Those still running out (a refill recorded meanwhile stops one)."""
    def one(reminder: Reminder) -> bool:
        if reminder.medication is None:
            return False
        client = db.get(User, reminder.user_id)
        return _wanted_now(db, reminder.medication, client, settings_of(db, client.id), now)[0]
    return {r.id for r in reminders if one(r)}


def payload(reminder: Reminder, user: User, settings: ReminderSettings, now: datetime,
            batch: "messages.Batch") -> dict:
    return messages._refill_payload(reminder, settings)


def topic(reminder: Reminder) -> str:
    return f"refill-{reminder.medication_id}"
