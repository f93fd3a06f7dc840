"""The optional daily check-in reminder: at the client's chosen local time, on days they have
not checked in yet."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import (CheckIn, CheckinReminder, PushSubscription, Reminder, ReminderKind,
                    ReminderSettings, ReminderStatus, User)
from tend.reminders import messages, outbox
from tend.reminders.choices import in_quiet_hours, settings_of
from tend.reminders.outbox import Wanted
from tend.services import schedule

KINDS = (ReminderKind.CHECKIN,)
URGENCY = "normal"  # an invitation can wait for a phone saving battery
WINDOW = timedelta(hours=3)  # and never past the end of that local day


def wanted(rule: CheckinReminder, settings: ReminderSettings, checked_in: bool) -> bool:
    """The one rule, when planning and right before sending: the reminder is on, its time is
    outside quiet hours (as for a dose), and that day has no check-in yet."""
    return rule.enabled and not checked_in and not in_quiet_hours(settings, rule.local_time)


def reminder_for(rule: CheckinReminder, settings: ReminderSettings, zone: ZoneInfo, day: date,
                 checked_in: bool) -> Wanted | None:
    """The check-in reminder a local day should get: at the chosen local time (the UTC
    instant follows daylight saving time), until a few hours later but never into the next
    day, whose check-in is another one."""
    if not wanted(rule, settings, checked_in):
        return None
    due = schedule.local_moment(day, rule.local_time, zone)
    end_of_day = schedule.local_moment(day + timedelta(days=1), time(0, 0), zone)
    return Wanted(ReminderKind.CHECKIN, due, min(due + WINDOW, end_of_day))


def _checked_in(db: Session, client_id: int, days) -> set[date]:
    return set(db.scalars(select(CheckIn.local_date).where(CheckIn.client_id == client_id,
                                                           CheckIn.local_date.in_(days))))


def plan(db: Session, client: User, devices: list[PushSubscription], now: datetime,
         horizon: timedelta) -> None:
    """One reminder per device for today's and tomorrow's check-in, planned once it is within
    ``horizon``. Unique per (client, kind, day, device), so planning twice adds nothing. A
    pending row whose time was changed moves to the new time (or is cancelled if that time
    has passed); one no longer wanted (turned off, quiet hours, checked in) is cancelled, and
    comes back if wanted again before its time. Every change is conditional on the status,
    so a row a worker has claimed meanwhile is left alone."""
    rule = db.get(CheckinReminder, client.id)
    if rule is None:
        return  # never turned on: nothing to plan or to cancel
    if not rule.enabled:
        db.execute(update(Reminder).where(
            Reminder.user_id == client.id, Reminder.kind == ReminderKind.CHECKIN,
            Reminder.status == ReminderStatus.PENDING).values(status=ReminderStatus.CANCELLED))
        return
    settings = settings_of(db, client.id)
    zone = ZoneInfo(client.timezone)
    today = schedule.local_today(client, now)
    days = (today, today + timedelta(days=1))
    done = _checked_in(db, client.id, days)
    planned = {day: w for day in days
               if (w := reminder_for(rule, settings, zone, day, day in done)) is not None}

    def plannable(w: Wanted | None) -> bool:
        return w is not None and now < w.due_at <= now + horizon

    existing = db.scalars(select(Reminder).where(
        Reminder.user_id == client.id, Reminder.kind == ReminderKind.CHECKIN,
        Reminder.subscription_id.is_not(None),
        Reminder.status.in_([ReminderStatus.PENDING, ReminderStatus.CANCELLED]))).all()
    for row in existing:
        w = planned.get(row.checkin_for)
        if row.status == ReminderStatus.PENDING and w is not None and row.due_at == w.due_at:
            continue  # as planned, perhaps due right now
        if plannable(w):
            values = {"status": ReminderStatus.PENDING, "due_at": w.due_at,
                      "next_attempt_at": w.due_at, "expires_at": w.expires_at,
                      "attempts": 0, "last_error": ""}
        elif row.status == ReminderStatus.PENDING:
            values = {"status": ReminderStatus.CANCELLED}
        else:
            continue
        db.execute(update(Reminder).where(Reminder.id == row.id, Reminder.status == row.status)
                   .values(**values).execution_options(synchronize_session=False))
    outbox.add_ignoring_duplicates(db, [
        row for day, w in planned.items() if plannable(w)
        for row in outbox.new_rows(client.id, [d.id for d in devices], w, checkin_for=day)])


def load(db: Session, reminder_ids: list[int]) -> list[Reminder]:
    return outbox.loaded(db, reminder_ids)  # its day is on the row


def still_wanted(db: Session, reminders: list[Reminder], now: datetime) -> set[int]:
    def one(reminder: Reminder) -> bool:
        rule = db.get(CheckinReminder, reminder.user_id)
        if rule is None or reminder.checkin_for is None:
            return False
        checked_in = reminder.checkin_for in _checked_in(db, reminder.user_id,
                                                         [reminder.checkin_for])
        return wanted(rule, settings_of(db, reminder.user_id), checked_in)
    return {r.id for r in reminders if one(r)}


def payload(reminder: Reminder, user: User, settings: ReminderSettings, now: datetime,
            batch: "messages.Batch") -> dict:
    return messages._checkin_payload(reminder)


def topic(reminder: Reminder) -> str:
    return f"checkin-{reminder.checkin_for.isoformat()}"
