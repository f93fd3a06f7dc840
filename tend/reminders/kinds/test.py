"""The test notification a client sends to one of their devices from the reminders page."""
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from models import PushSubscription, Reminder, ReminderKind, ReminderSettings, User
from tend.reminders import messages, outbox

KINDS = (ReminderKind.TEST,)
URGENCY = "high"
WINDOW = timedelta(minutes=10)


def plan(db: Session, user: User, device: PushSubscription, now: datetime) -> Reminder:
    """A test notification for ``device``, due now (the page sends it at once)."""
    reminder = Reminder(user_id=user.id, subscription_id=device.id, kind=ReminderKind.TEST,
                        due_at=now, expires_at=now + WINDOW, next_attempt_at=now)
    db.add(reminder)
    db.flush()
    return reminder


def load(db: Session, reminder_ids: list[int]) -> list[Reminder]:
    return outbox.loaded(db, reminder_ids)


def still_wanted(db: Session, reminders: list[Reminder], now: datetime) -> set[int]:
    return {r.id for r in reminders}  # asked for a moment ago


def payload(reminder: Reminder, user: User, settings: ReminderSettings, now: datetime,
            batch: "messages.Batch") -> dict:
    return messages._test_payload(reminder)


def topic(reminder: Reminder) -> str:
    return f"test-{reminder.id}"
