"""Follow-ups: "did it help?" a while after an as-needed dose, when its regimen asks
(``Regimen.follow_up_minutes``; the dose keeps the moment in ``DoseEvent.follow_up_at``).
Today asks the same question on the page; an answer given there stops the reminder."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from models import (DoseEvent, MedicationReminder, MedicationStatus, PushSubscription, Reminder,
                    ReminderKind, ReminderSettings, ReminderStatus, User)
from tend.reminders import messages, outbox
from tend.reminders.choices import in_quiet_hours, medication_rules, settings_of
from tend.reminders.outbox import Wanted
from tend.services import medications

KINDS = (ReminderKind.FOLLOW_UP,)
URGENCY = "normal"  # a question that can wait for a phone saving battery
WINDOW = timedelta(hours=3)


def wanted(event: DoseEvent, rule: MedicationReminder) -> bool:
    """The one rule, when planning and right before sending: not answered yet, and the
    medication is active and reminded, and was not paused at the follow-up's time (then Today
    asks; a resume after that time sends nothing)."""
    return event.follow_up_at is not None and event.helped is None and rule.enabled \
        and event.medication.status is MedicationStatus.ACTIVE \
        and not medications.paused_at(event.medication, event.follow_up_at)


def reminder_for(event: DoseEvent, rule: MedicationReminder,
                 settings: ReminderSettings) -> Wanted | None:
    """At the follow-up time, unless that falls in quiet hours (Today still asks)."""
    if not wanted(event, rule):
        return None
    local = event.follow_up_at.astimezone(ZoneInfo(event.timezone)).time()
    if in_quiet_hours(settings, local):
        return None
    return Wanted(ReminderKind.FOLLOW_UP, event.follow_up_at, event.follow_up_at + WINDOW)


def plan(db: Session, client: User, devices: list[PushSubscription], now: datetime,
         horizon: timedelta) -> None:
    """One reminder per device and dose whose follow-up comes within ``horizon`` (or came
    less than ``WINDOW`` ago); unique per dose, kind and device, so planning twice adds
    nothing. One not sent yet whose dose's time was corrected moves to the new follow-up
    time. An answer given meanwhile cancels it at send time (``still_wanted``)."""
    events = db.scalars(select(DoseEvent).where(
        DoseEvent.client_id == client.id, DoseEvent.helped.is_(None),
        DoseEvent.follow_up_at > now - WINDOW, DoseEvent.follow_up_at <= now + horizon)
        .options(joinedload(DoseEvent.medication))).all()
    if not events:
        return
    settings = settings_of(db, client.id)
    rules = medication_rules(db, {event.medication_id for event in events})
    rows = []
    for event in events:
        w = reminder_for(event, rules[event.medication_id], settings)
        if w is not None and w.expires_at > now:
            rows += outbox.new_rows(client.id, [d.id for d in devices], w,
                                    dose_event_id=event.id, medication_id=event.medication_id)
            _move_unsent(db, event.id, w)
    outbox.add_ignoring_duplicates(db, rows)


def _move_unsent(db: Session, dose_event_id: int, w: Wanted) -> None:
    """A reminder not sent for another time than the follow-up's (the dose's time was
    corrected; at send time it was cancelled as not wanted then) is pending at the new one."""
    db.execute(update(Reminder)
               .where(Reminder.dose_event_id == dose_event_id, Reminder.kind == w.kind,
                      Reminder.status.in_([ReminderStatus.PENDING, ReminderStatus.CANCELLED]),
                      Reminder.due_at != w.due_at)
               .values(status=ReminderStatus.PENDING, due_at=w.due_at, next_attempt_at=w.due_at,
                       expires_at=w.expires_at, attempts=0))


def load(db: Session, reminder_ids: list[int]) -> list[Reminder]:
    return outbox.loaded(db, reminder_ids,
                         joinedload(Reminder.dose_event).joinedload(DoseEvent.medication))


def still_wanted(db: Session, reminders: list[Reminder], now: datetime) -> set[int]:
    """Also not one for another time than its dose's follow-up (corrected since it was
    planned): the next planning pass moves it."""
    rules = medication_rules(db, {r.dose_event.medication_id for r in reminders
                                  if r.dose_event is not None})
    return {r.id for r in reminders if r.dose_event is not None
            and r.due_at == r.dose_event.follow_up_at
            and wanted(r.dose_event, rules[r.dose_event.medication_id])}


def payload(reminder: Reminder, user: User, settings: ReminderSettings, now: datetime,
            batch: "messages.Batch") -> dict:
    return messages._follow_up_payload(reminder, settings)


def topic(reminder: Reminder) -> str:
    return f"follow-up-{reminder.dose_event_id}"
