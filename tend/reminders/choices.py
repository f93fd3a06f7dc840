"""What a client chose for their reminders, as saved or by default, and what quiet hours mean.
Every kind reads its choices here, when planning and again right before sending."""
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CheckinReminder, MedicationReminder, ReminderSettings

CHECKIN_DEFAULT_TIME = time(20, 0)
REMINDED_BY_DEFAULT = True  # a medication with no saved rule is reminded


def settings_of(db: Session, user_id: int) -> ReminderSettings:
    """The client's settings, or the defaults (not saved) if they never changed them."""
    return db.get(ReminderSettings, user_id) or ReminderSettings(
        user_id=user_id, show_names=False, repeat_delay_minutes=30, refill_days=7)


def _default_rule(medication_id: int) -> MedicationReminder:
    return MedicationReminder(medication_id=medication_id, enabled=REMINDED_BY_DEFAULT,
                              repeat=False)


def is_reminded(enabled: bool | None) -> bool:
    """A medication's saved ``MedicationReminder.enabled`` (None: no rule saved), as the
    rule reads it."""
    return REMINDED_BY_DEFAULT if enabled is None else bool(enabled)


def medication_rule(db: Session, medication_id: int) -> MedicationReminder:
    return db.get(MedicationReminder, medication_id) or _default_rule(medication_id)


def medication_rules(db: Session, medication_ids) -> dict[int, MedicationReminder]:
    """``medication_rule`` for several medications, in one query."""
    saved = {rule.medication_id: rule for rule in db.scalars(
        select(MedicationReminder).where(MedicationReminder.medication_id.in_(medication_ids)))}
    return {medication_id: saved.get(medication_id) or _default_rule(medication_id)
            for medication_id in medication_ids}


def checkin_rule_of(db: Session, user_id: int) -> CheckinReminder:
    """The client's daily check-in reminder, or the default (off, not saved)."""
    return db.get(CheckinReminder, user_id) or CheckinReminder(
        user_id=user_id, enabled=False, local_time=CHECKIN_DEFAULT_TIME)


def in_quiet_hours(settings: ReminderSettings, at: time) -> bool:
    start, end = settings.quiet_start, settings.quiet_end
    if start is None or end is None or start == end:
        return False
    return start <= at < end if start < end else at >= start or at < end
