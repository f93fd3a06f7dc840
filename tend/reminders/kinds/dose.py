"""Dose reminders: at the dose's time, once more a while later if the client chose that, and
a snooze from the notification. All three are about one planned dose and stop the moment it
is logged."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from models import (MedicationReminder, MedicationStatus, PlannedDose, PushSubscription,
                    Reminder, ReminderKind, ReminderSettings, ReminderStatus, User)
from tend.reminders import messages, outbox
from tend.reminders.choices import in_quiet_hours, medication_rules, settings_of
from tend.reminders.outbox import Wanted
from tend.services import doses, schedule

KINDS = ReminderKind.DOSE_KINDS
URGENCY = "high"
# What still_wanted and payload read, loaded with the reminders (with their devices).
LOADS = (joinedload(Reminder.planned_dose).joinedload(PlannedDose.event),
         joinedload(Reminder.planned_dose).joinedload(PlannedDose.medication))
WINDOW = doses.ON_TIME  # a dose reminder more than an hour late is not sent
PLANNED = (ReminderKind.DOSE, ReminderKind.REPEAT)  # the snooze is planned by a tap


def wanted(dose: PlannedDose, rule: MedicationReminder) -> bool:
    """The one rule, when planning and right before sending: the dose is not logged, its
    medication is active and reminded."""
    return dose.event is None and rule.enabled and \
        dose.medication.status is MedicationStatus.ACTIVE


def reminders_for(dose: PlannedDose, rule: MedicationReminder,
                  settings: ReminderSettings) -> list[Wanted]:
    """The reminders a planned dose should get: at its time and, if chosen, once more;
    neither in quiet hours."""
    if not wanted(dose, rule):
        return []
    zone = ZoneInfo(dose.timezone)
    missed_at = dose.due_at + doses.MISSED_AFTER
    planned = []
    if not in_quiet_hours(settings, dose.local_time):
        planned.append(Wanted(ReminderKind.DOSE, dose.due_at, dose.due_at + WINDOW))
    if rule.repeat and settings.repeat_delay_minutes:
        again = dose.due_at + timedelta(minutes=settings.repeat_delay_minutes)
        if again < missed_at and not in_quiet_hours(settings, again.astimezone(zone).time()):
            planned.append(Wanted(ReminderKind.REPEAT, again, min(again + WINDOW, missed_at)))
    return planned


def plan(db: Session, client: User, devices: list[PushSubscription], now: datetime,
         horizon: timedelta) -> None:
    """Plan the client's doses, then their reminders for the next ``horizon``. Pending rows no
    longer wanted (the dose was logged, reminders turned off, quiet hours moved) are
    cancelled; cancelled ones wanted again before their time come back."""
    schedule.plan_doses(db, client, now)
    settings = settings_of(db, client.id)
    planned = db.scalars(
        select(PlannedDose)
        .where(PlannedDose.client_id == client.id, PlannedDose.due_at <= now + horizon,
               PlannedDose.due_at > now - doses.MISSED_AFTER)
        .options(joinedload(PlannedDose.medication), joinedload(PlannedDose.event))).all()
    rules = medication_rules(db, {dose.medication_id for dose in planned})
    rows, unwanted = [], []
    for dose in planned:
        wanted_now = reminders_for(dose, rules[dose.medication_id], settings)
        kinds = {w.kind for w in wanted_now}
        unwanted += [(dose.id, kind) for kind in PLANNED if kind not in kinds]
        for w in wanted_now:
            if w.expires_at > now:
                rows += outbox.new_rows(client.id, [d.id for d in devices], w,
                                        planned_dose_id=dose.id,
                                        medication_id=dose.medication_id)
    outbox.add_ignoring_duplicates(db, rows)
    _cancel(db, unwanted)
    _revive(db, rows, now)


def _cancel(db: Session, dose_kinds: list[tuple[int, str]]) -> None:
    for dose_id, kind in dose_kinds:
        db.execute(update(Reminder)
                   .where(Reminder.planned_dose_id == dose_id, Reminder.kind == kind,
                          Reminder.status == ReminderStatus.PENDING)
                   .values(status=ReminderStatus.CANCELLED))


def _revive(db: Session, rows: list[dict], now: datetime) -> None:
    """Cancelled reminders that are wanted again (turned back on) and not yet due."""
    for row in rows:
        if row["due_at"] > now:
            db.execute(update(Reminder)
                       .where(Reminder.planned_dose_id == row["planned_dose_id"],
                              Reminder.kind == row["kind"],
                              Reminder.subscription_id == row["subscription_id"],
                              Reminder.status == ReminderStatus.CANCELLED)
                       .values(status=ReminderStatus.PENDING, due_at=row["due_at"],
                               next_attempt_at=row["due_at"], expires_at=row["expires_at"]))


def plan_snooze(db: Session, reminder: Reminder, dose: PlannedDose, now: datetime) -> datetime:
    """"Snooze" tapped on ``reminder``: the dose is reminded again on that device in a few
    minutes (tapped again, that one reminder moves). Returns when."""
    due = now + timedelta(minutes=messages.SNOOZE_MINUTES)
    [row] = outbox.new_rows(dose.client_id, [reminder.subscription_id],
                            Wanted(ReminderKind.SNOOZE, due, due + WINDOW),
                            planned_dose_id=dose.id, medication_id=dose.medication_id)
    outbox.add_or_replace(db, row, key=("planned_dose_id", "kind", "subscription_id"))
    return due


def still_wanted(db: Session, reminders: list[Reminder], now: datetime) -> set[int]:
    rules = medication_rules(db, {r.planned_dose.medication_id for r in reminders
                                  if r.planned_dose is not None})
    return {r.id for r in reminders if r.planned_dose is not None
            and wanted(r.planned_dose, rules[r.planned_dose.medication_id])}


def payload(reminder: Reminder, user: User, settings: ReminderSettings, now: datetime,
            batch: "messages.Batch") -> dict:
    return messages._dose_payload(reminder, reminder.planned_dose, settings, now, batch)


def topic(reminder: Reminder) -> str:
    """One per dose: the push service keeps only the newest undelivered message per topic, so
    a repeat or a snooze replaces a reminder still waiting for an offline phone."""
    return f"dose-{reminder.planned_dose_id}"
