"""What a tap on a notification's "Taken" or "Snooze" does, authorised by its token alone."""
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import Session

from models import DoseStatus, PlannedDose, Reminder, User
from tend.formatting import clock_time
from tend.i18n import locale_of
from tend.reminders import tokens
from tend.reminders.kinds import dose as dose_kind
from tend.services import doses
from tend.services.errors import Conflict


@dataclass
class Confirmation:
    body: str
    tag: str


def _local_clock(moment: datetime, client: User) -> str:
    return clock_time(moment.astimezone(ZoneInfo(client.timezone)).time())


def perform(db: Session, claim: tokens.ActionClaim, now: datetime) -> Confirmation:
    """Log the dose or schedule the snooze; the token is spent in the same transaction.
    Raises ``tokens.InvalidToken`` if the dose or reminder is gone or the token was used."""
    dose = db.get(PlannedDose, claim.planned_dose_id)
    reminder = db.get(Reminder, claim.reminder_id)
    if dose is None or reminder is None or reminder.planned_dose_id != dose.id:
        raise tokens.InvalidToken("expired")
    tokens.spend(db, claim, now)
    client = db.get(User, dose.client_id)
    reminder.acted_at = now
    with force_locale(locale_of(client)):
        if claim.action == "taken":
            return _taken(db, client, dose, now)
        return _snooze(db, reminder, dose, client, now)


def _taken(db: Session, client: User, dose: PlannedDose, now: datetime) -> Confirmation:
    try:
        doses.record(db, client, medication_id=dose.medication_id, status=DoseStatus.TAKEN,
                     now=now, planned_dose_id=dose.id)
    except Conflict:
        return Confirmation(_("This dose was already logged. Nothing else to do."),
                            f"dose-{dose.id}")
    return Confirmation(_("Logged as taken at %(time)s.",
                          time=_local_clock(now, client)), f"dose-{dose.id}")


def _snooze(db: Session, reminder: Reminder, dose: PlannedDose, client: User,
            now: datetime) -> Confirmation:
    due = dose_kind.plan_snooze(db, reminder, dose, now)
    return Confirmation(_("OK. We'll remind you again at %(time)s.",
                          time=_local_clock(due, client)), f"dose-{dose.id}")
