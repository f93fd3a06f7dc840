"""Saving a client's reminder choices; the outbox is re-planned at once, 48 hours ahead, so they
apply now."""
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from models import (CheckinReminder, MedicationReminder, MedicationStatus, PlannedDose,
                    Reminder, ReminderKind, ReminderSettings, ReminderStatus, User)
from tend.reminders import planner
from tend.reminders.choices import CHECKIN_DEFAULT_TIME, medication_rules
from tend.services import doses, medications, schedule

HISTORY = timedelta(days=14)


def save_settings(db: Session, client: User, *, show_names: bool, quiet_start, quiet_end,
                  repeat_delay_minutes: int, refill_days: int, now: datetime) -> None:
    _apply_settings(db, client, show_names=show_names, quiet_start=quiet_start,
                    quiet_end=quiet_end, repeat_delay_minutes=repeat_delay_minutes,
                    refill_days=refill_days)
    _replan(db, client, now)


def save_checkin_reminder(db: Session, client: User, *, enabled: bool, local_time,
                          now: datetime) -> None:
    """Turn the daily check-in reminder on or off, at a local time. Pending reminders move
    to the new time, or are cancelled when it is turned off (``planner.plan_for_client``)."""
    _apply_checkin_reminder(db, client, enabled=enabled, local_time=local_time)
    _replan(db, client, now)


def save_all(db: Session, client: User, *, show_names: bool, quiet_start, quiet_end,
             repeat_delay_minutes: int, refill_days: int, checkin_enabled: bool,
             checkin_time, medication_choices: dict[int, tuple[bool, bool]],
             now: datetime) -> None:
    """Everything on the client's reminder settings page at once, re-planned once."""
    _apply_settings(db, client, show_names=show_names, quiet_start=quiet_start,
                    quiet_end=quiet_end, repeat_delay_minutes=repeat_delay_minutes,
                    refill_days=refill_days)
    _apply_checkin_reminder(db, client, enabled=checkin_enabled, local_time=checkin_time)
    _apply_medication_rules(db, medication_choices)
    _replan(db, client, now)


def _apply_settings(db: Session, client: User, *, show_names: bool, quiet_start, quiet_end,
                    repeat_delay_minutes: int, refill_days: int) -> None:
    settings = db.get(ReminderSettings, client.id)
    if settings is None:
        settings = ReminderSettings(user_id=client.id)
        db.add(settings)
    settings.show_names = show_names
    settings.quiet_start, settings.quiet_end = quiet_start, quiet_end
    settings.repeat_delay_minutes = repeat_delay_minutes
    settings.refill_days = refill_days or None


def _apply_checkin_reminder(db: Session, client: User, *, enabled: bool, local_time) -> None:
    rule = db.get(CheckinReminder, client.id)
    if rule is None:
        rule = CheckinReminder(user_id=client.id)
        db.add(rule)
    rule.enabled = enabled
    rule.local_time = local_time or rule.local_time or CHECKIN_DEFAULT_TIME


def _apply_medication_rules(db: Session, choices: dict[int, tuple[bool, bool]]) -> None:
    for medication_id, (enabled, repeat) in choices.items():
        rule = db.get(MedicationReminder, medication_id)
        if rule is None:
            rule = MedicationReminder(medication_id=medication_id)
            db.add(rule)
        rule.enabled, rule.repeat = enabled, repeat


def _replan(db: Session, client: User, now: datetime) -> None:
    db.flush()
    planner.plan_for_client(db, client, None, now, planner.ON_CHANGE_HORIZON)


def scheduled_medications(db: Session, client: User, now: datetime):
    """The medications reminders can be about: active or paused ones with set times now or
    in a change still to come."""
    today = schedule.local_today(client, now)
    return [med for med in medications.medications_of(db, client)
            if med.status is not MedicationStatus.STOPPED
            and _has_set_times(medications.dosing_on(med, client, today, now))]


def _has_set_times(dosing: medications.Dosing) -> bool:
    return any(not regimen.as_needed for regimen in [dosing.regimen, *dosing.scheduled])


def rules_for(db: Session, meds) -> dict[int, MedicationReminder]:
    return medication_rules(db, [med.id for med in meds])


def save_medication_rules(db: Session, client: User, choices: dict[int, tuple[bool, bool]],
                          now: datetime) -> None:
    """``choices``: medication id -> (remind, once more)."""
    _apply_medication_rules(db, choices)
    _replan(db, client, now)


def needing_attention(db: Session, client: User, now: datetime) -> list[Reminder]:
    """Recent dose reminders that could not be delivered, or were delivered and the dose was
    then not logged: the list that answers "did my reminder come?"."""
    failed = Reminder.status.in_([ReminderStatus.FAILED, ReminderStatus.MISSED])
    sent_unlogged = and_(Reminder.status == ReminderStatus.SENT, Reminder.acted_at.is_(None))
    rows = db.scalars(
        select(Reminder).join(PlannedDose, Reminder.planned_dose_id == PlannedDose.id)
        .where(Reminder.user_id == client.id, Reminder.kind.in_(ReminderKind.DOSE_KINDS),
               Reminder.due_at > now - HISTORY, Reminder.due_at <= now,
               or_(failed, sent_unlogged))
        .options(joinedload(Reminder.planned_dose).joinedload(PlannedDose.event),
                 joinedload(Reminder.planned_dose).joinedload(PlannedDose.medication),
                 joinedload(Reminder.subscription))
        .order_by(Reminder.due_at.desc())).unique().all()
    return [r for r in rows if r.status != ReminderStatus.SENT or (
        r.planned_dose.event is None
        and doses.state_of(r.planned_dose, None, now) == doses.State.MISSED)]
