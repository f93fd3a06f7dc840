"""Filling the outbox: which reminders should exist for the doses of the next hours.

Deciding is a pure function of the dose, the client's settings and the time (``wanted_for``);
writing is an idempotent insert keyed on (planned dose, kind, device), so planning twice, or
in two workers at once, adds nothing. Pending rows that are no longer wanted (the dose was
logged, reminders turned off, quiet hours moved) are cancelled; ones wanted again come back."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from models import (CheckIn, CheckinReminder, Medication, MedicationReminder, MedicationStatus,
                    PlannedDose, PushSubscription, Reminder, ReminderKind, ReminderSettings,
                    ReminderStatus, User)
from tend.care.alerts import plan_caregiver_alerts
from tend.services import doses, medications, schedule

HORIZON = timedelta(hours=6)       # the worker's pass, once a minute
ON_CHANGE_HORIZON = timedelta(hours=48)  # a change plans this far at once (schedule.PLAN_AHEAD)
DOSE_WINDOW = doses.ON_TIME         # a dose reminder more than an hour late is not sent
REFILL_WINDOW = timedelta(hours=12)
REFILL_HOURS = (time(9, 0), time(20, 0))  # refill reminders only in the daytime
TEST_WINDOW = timedelta(minutes=10)
CHECKIN_WINDOW = timedelta(hours=3)  # and never past the end of that local day
CHECKIN_DEFAULT_TIME = time(20, 0)


@dataclass(frozen=True)
class Wanted:
    kind: str
    due_at: datetime
    expires_at: datetime


def settings_of(db: Session, user_id: int) -> ReminderSettings:
    """The client's settings, or the defaults (not saved) if they never changed them."""
    return db.get(ReminderSettings, user_id) or ReminderSettings(
        user_id=user_id, show_names=False, repeat_delay_minutes=30, refill_days=7)


def medication_rule(db: Session, medication_id: int) -> MedicationReminder:
    return db.get(MedicationReminder, medication_id) or MedicationReminder(
        medication_id=medication_id, enabled=True, repeat=False)


def in_quiet_hours(settings: ReminderSettings, at: time) -> bool:
    start, end = settings.quiet_start, settings.quiet_end
    if start is None or end is None or start == end:
        return False
    return start <= at < end if start < end else at >= start or at < end


def wanted_for(dose: PlannedDose, medication: Medication, rule: MedicationReminder,
               settings: ReminderSettings, logged: bool) -> list[Wanted]:
    """The reminders a planned dose should get: at its time and, if chosen, once more."""
    if logged or not rule.enabled or medication.status is not MedicationStatus.ACTIVE:
        return []
    zone = ZoneInfo(dose.timezone)
    missed_at = dose.due_at + doses.MISSED_AFTER
    wanted = []
    if not in_quiet_hours(settings, dose.local_time):
        wanted.append(Wanted(ReminderKind.DOSE, dose.due_at, dose.due_at + DOSE_WINDOW))
    if rule.repeat and settings.repeat_delay_minutes:
        again = dose.due_at + timedelta(minutes=settings.repeat_delay_minutes)
        if again < missed_at and not in_quiet_hours(settings, again.astimezone(zone).time()):
            wanted.append(Wanted(ReminderKind.REPEAT, again,
                                 min(again + DOSE_WINDOW, missed_at)))
    return wanted


def _insert_ignoring_duplicates(db: Session, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(Reminder).on_conflict_do_nothing(), rows)


def _row(user_id: int, subscription_id: int, wanted: Wanted, **keys) -> dict:
    return {"user_id": user_id, "subscription_id": subscription_id, "kind": wanted.kind,
            "status": ReminderStatus.PENDING, "due_at": wanted.due_at,
            "expires_at": wanted.expires_at, "next_attempt_at": wanted.due_at, "attempts": 0,
            "last_error": "", **keys}


def plan_dose_reminders(db: Session, client: User, subscriptions: list[PushSubscription],
                        now: datetime, horizon: timedelta = HORIZON) -> None:
    schedule.plan_doses(db, client, now)
    settings = settings_of(db, client.id)
    planned = db.scalars(
        select(PlannedDose)
        .where(PlannedDose.client_id == client.id, PlannedDose.due_at <= now + horizon,
               PlannedDose.due_at > now - doses.MISSED_AFTER)
        .options(joinedload(PlannedDose.medication), joinedload(PlannedDose.event))).all()
    rules = {}
    rows, unwanted = [], []
    for dose in planned:
        if dose.medication_id not in rules:
            rules[dose.medication_id] = medication_rule(db, dose.medication_id)
        wanted = wanted_for(dose, dose.medication, rules[dose.medication_id], settings,
                            logged=dose.event is not None)
        kinds = {w.kind for w in wanted}
        unwanted += [(dose.id, kind) for kind in (ReminderKind.DOSE, ReminderKind.REPEAT)
                     if kind not in kinds]
        rows += [_row(client.id, sub.id, w, planned_dose_id=dose.id,
                      medication_id=dose.medication_id)
                 for w in wanted if w.expires_at > now for sub in subscriptions]
    _insert_ignoring_duplicates(db, rows)
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


def next_daytime(client: User, now: datetime) -> datetime:
    """Now, if it is daytime for the client, else the next morning."""
    zone = ZoneInfo(client.timezone)
    local = now.astimezone(zone)
    first, last = REFILL_HOURS
    if first <= local.time() < last:
        return now
    day = local.date() if local.time() < first else local.date() + timedelta(days=1)
    return schedule.local_moment(day, first, zone)


def plan_refill_reminders(db: Session, client: User, subscriptions: list[PushSubscription],
                          now: datetime) -> None:
    settings = settings_of(db, client.id)
    if not settings.refill_days:
        return
    today = schedule.local_today(client, now)
    rows = []
    for med in medications.medications_of(db, client):
        runs_out = medications.runs_out_on(med, client, now)
        if runs_out is None or (runs_out - today).days > settings.refill_days:
            continue
        if not medication_rule(db, med.id).enabled:
            continue
        due = next_daytime(client, now)
        if in_quiet_hours(settings, due.astimezone(ZoneInfo(client.timezone)).time()):
            continue  # a later pass, after the quiet hours, plans it
        wanted = Wanted(ReminderKind.REFILL, due, due + REFILL_WINDOW)
        rows += [_row(client.id, sub.id, wanted, medication_id=med.id, refill_for=runs_out)
                 for sub in subscriptions]
    _insert_ignoring_duplicates(db, rows)


def checkin_rule_of(db: Session, user_id: int) -> CheckinReminder:
    """The client's daily check-in reminder, or the default (off, not saved)."""
    return db.get(CheckinReminder, user_id) or CheckinReminder(
        user_id=user_id, enabled=False, local_time=CHECKIN_DEFAULT_TIME)


def checkin_wanted(rule: CheckinReminder, settings: ReminderSettings, zone: ZoneInfo,
                   day: date, checked_in: bool) -> Wanted | None:
    """The check-in reminder a local day should get: at the chosen local time (the UTC
    instant follows daylight saving time), until a few hours later but never into the next
    day, whose check-in is another one. None when it is off, falls in quiet hours (as for a
    dose) or the day's check-in is already done."""
    if not rule.enabled or checked_in or in_quiet_hours(settings, rule.local_time):
        return None
    due = schedule.local_moment(day, rule.local_time, zone)
    end_of_day = schedule.local_moment(day + timedelta(days=1), time(0, 0), zone)
    return Wanted(ReminderKind.CHECKIN, due, min(due + CHECKIN_WINDOW, end_of_day))


def plan_checkin_reminders(db: Session, client: User, subscriptions: list[PushSubscription],
                           now: datetime, horizon: timedelta = HORIZON) -> None:
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
    done = set(db.scalars(select(CheckIn.local_date).where(CheckIn.client_id == client.id,
                                                           CheckIn.local_date.in_(days))))
    wanted = {day: w for day in days
              if (w := checkin_wanted(rule, settings, zone, day, day in done)) is not None}

    def plannable(w: Wanted | None) -> bool:
        return w is not None and now < w.due_at <= now + horizon

    existing = db.scalars(select(Reminder).where(
        Reminder.user_id == client.id, Reminder.kind == ReminderKind.CHECKIN,
        Reminder.subscription_id.is_not(None),
        Reminder.status.in_([ReminderStatus.PENDING, ReminderStatus.CANCELLED]))).all()
    for row in existing:
        w = wanted.get(row.checkin_for)
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
    _insert_ignoring_duplicates(db, [
        _row(client.id, sub.id, w, checkin_for=day)
        for day, w in wanted.items() if plannable(w) for sub in subscriptions])


def clients_with_devices(db: Session) -> dict[int, list[PushSubscription]]:
    subscribed: dict[int, list[PushSubscription]] = {}
    for sub in db.scalars(select(PushSubscription).order_by(PushSubscription.id)):
        subscribed.setdefault(sub.user_id, []).append(sub)
    return subscribed


def plan_all(db: Session, now: datetime, horizon: timedelta = HORIZON) -> None:
    """Plan every subscribed client's reminders for the next ``horizon``; the caller commits."""
    for user_id, subscriptions in clients_with_devices(db).items():
        client = db.get(User, user_id)
        if client is None or not client.is_client:
            continue
        plan_for_client(db, client, subscriptions, now, horizon)
    plan_caregiver_alerts(db, now)


def plan_for_client(db: Session, client: User, subscriptions: list[PushSubscription] | None,
                    now: datetime, horizon: timedelta = HORIZON) -> None:
    if subscriptions is None:
        subscriptions = db.scalars(select(PushSubscription)
                                   .where(PushSubscription.user_id == client.id)).all()
    if not subscriptions:
        return
    plan_dose_reminders(db, client, subscriptions, now, horizon)
    plan_refill_reminders(db, client, subscriptions, now)
    # A check-in invitation is not timed to the minute: the worker's pass plans it in time.
    plan_checkin_reminders(db, client, subscriptions, now, min(horizon, HORIZON))


def set_timezone(db: Session, user: User, zone: str, now: datetime,
                 keep_home_times: bool = False) -> None:
    """Record that a person is now in ``zone``.

    Following local time (the default), their days and a client's doses move to ``zone``:
    the schedule service re-plans the doses ahead (the past keeps its own zone; the
    reminders of doses it drops go with them), then their reminders are planned again.
    Keeping home times, nothing moves: ``zone`` is only where they are (pages show the time
    there too) until they come home or choose to follow local time."""
    if keep_home_times and user.is_client:
        user.travel_timezone = None if zone == user.timezone else zone
        return
    user.travel_timezone = None
    if zone == user.timezone:
        return
    user.timezone = zone
    db.flush()
    if user.is_client:
        schedule.replan_for_new_timezone(db, user, now)
        plan_for_client(db, user, None, now)
