"""What a tap on a notification's "Taken" or "Snooze" does, authorised by its token alone."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask_babel import force_locale, get_locale, gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import DoseStatus, PlannedDose, Reminder, ReminderKind, ReminderStatus, User
from tend.reminders import tokens
from tend.reminders.messages import SNOOZE_MINUTES
from tend.reminders.planner import DOSE_WINDOW
from tend.services import doses
from tend.services.errors import Conflict


@dataclass
class Confirmation:
    body: str
    tag: str


def _local_clock(moment: datetime, client: User) -> str:
    return format_time(moment.astimezone(ZoneInfo(client.timezone)).time(), "short",
                       locale=get_locale())


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
    with force_locale(client.locale or "en"):
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
    return Confirmation(_("Logged as taken at %(time)s. Well done for keeping track.",
                          time=_local_clock(now, client)), f"dose-{dose.id}")


def _snooze(db: Session, reminder: Reminder, dose: PlannedDose, client: User,
            now: datetime) -> Confirmation:
    due = now + timedelta(minutes=SNOOZE_MINUTES)
    values = {"user_id": client.id, "subscription_id": reminder.subscription_id,
              "planned_dose_id": dose.id, "medication_id": dose.medication_id,
              "kind": ReminderKind.SNOOZE, "status": ReminderStatus.PENDING, "due_at": due,
              "expires_at": due + DOSE_WINDOW, "next_attempt_at": due, "attempts": 0,
              "last_error": ""}
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Reminder).values(**values)
    db.execute(statement.on_conflict_do_update(
        index_elements=["planned_dose_id", "kind", "subscription_id"],
        set_={key: statement.excluded[key] for key in
              ("status", "due_at", "expires_at", "next_attempt_at", "attempts", "last_error")}))
    return Confirmation(_("OK. We'll remind you again at %(time)s.",
                          time=_local_clock(due, client)), f"dose-{dose.id}")
