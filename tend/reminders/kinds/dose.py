"""Dose reminders: at the dose's time, once more a while later if the client chose that, and
a snooze from the notification. All three are about one planned dose and stop the moment it
is logged."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, joinedload

from models import (DoseEvent, Medication, MedicationReminder, MedicationStatus, PlannedDose,
                    PushSubscription, Regimen, Reminder, ReminderKind, ReminderSettings,
                    ReminderStatus, User)
from models.base import column_rows
from tend.reminders import messages, outbox
from tend.reminders.choices import in_quiet_hours, is_reminded, medication_rules, settings_of
from tend.reminders.outbox import Wanted
from tend.services import doses, schedule

KINDS = ReminderKind.DOSE_KINDS
URGENCY = "high"
WINDOW = doses.ON_TIME  # a dose reminder more than an hour late is not sent
PLANNED = (ReminderKind.DOSE, ReminderKind.REPEAT)  # the snooze is planned by a tap


def wanted(logged: bool, medication_status: MedicationStatus, reminded: bool) -> bool:
    """The one rule, when planning and right before sending: the dose is not logged, its
    medication is active and reminded."""
    return not logged and reminded and medication_status is MedicationStatus.ACTIVE


_reminder, _dose, _event = Reminder.__table__.c, PlannedDose.__table__.c, DoseEvent.__table__.c
_medication, _regimen = Medication.__table__.c, Regimen.__table__.c
_rule = MedicationReminder.__table__.c
# What the dispatcher, ``still_wanted`` and ``payload`` read of a batch of dose reminders:
# plain columns in one query (outer joins: a reminder whose dose is gone still comes back,
# and is not wanted).
_ROWS = select(
    _reminder.id, _reminder.kind, _reminder.user_id, _reminder.subscription_id,
    _reminder.attempts, _reminder.expires_at, _reminder.planned_dose_id,
    _dose.due_at.label("dose_due_at"), _dose.local_time,
    (_event.id.is_not(None)).label("logged"), _medication.name.label("medication_name"),
    _medication.status.label("medication_status"), _regimen.strength, _regimen.strength_unit,
    _rule.enabled.label("rule_enabled"),
).select_from(
    Reminder.__table__.outerjoin(PlannedDose.__table__, _dose.id == _reminder.planned_dose_id)
    .outerjoin(DoseEvent.__table__, _event.planned_dose_id == _dose.id)
    .outerjoin(Medication.__table__, _medication.id == _dose.medication_id)
    .outerjoin(Regimen.__table__, _regimen.id == _dose.regimen_id)
    .outerjoin(MedicationReminder.__table__, _rule.medication_id == _dose.medication_id)
).where(_reminder.id.in_(bindparam("reminder_ids", expanding=True)))


def load(db: Session, reminder_ids: list[int]) -> list[Row]:
    """The reminders as ``still_wanted`` and ``payload`` read them: one row each, with its
    dose's time, whether it is logged, and its medication's name, strength and rule."""
    return column_rows(db, _ROWS, {"reminder_ids": reminder_ids}).all()


def reminders_for(dose: PlannedDose, rule: MedicationReminder,
                  settings: ReminderSettings) -> list[Wanted]:
    """The reminders a planned dose should get: at its time and, if chosen, once more;
    neither in quiet hours."""
    if not wanted(dose.event is not None, dose.medication.status, rule.enabled):
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


def still_wanted(db: Session, reminders: list[Row], now: datetime) -> set[int]:
    return {r.id for r in reminders if r.planned_dose_id is not None
            and wanted(r.logged, r.medication_status, is_reminded(r.rule_enabled))}


def payload(reminder: Row, user: User, settings: ReminderSettings, now: datetime,
            batch: "messages.Batch") -> dict:
    return messages._dose_payload(reminder, settings, now, batch)


def topic(reminder: Reminder) -> str:
    """One per dose: the push service keeps only the newest undelivered message per topic, so
    a repeat or a snooze replaces a reminder still waiting for an offline phone."""
    return f"dose-{reminder.planned_dose_id}"
