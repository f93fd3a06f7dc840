"""The devices a client subscribed: storing, listing and forgetting them."""
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import PushSubscription, Reminder, ReminderStatus, User
from tend.services import lookup

FAILING_AFTER = 3  # consecutive failed pushes before a device is flagged on Today


def subscriptions_of(db: Session, user: User) -> list[PushSubscription]:
    return db.scalars(select(PushSubscription).where(PushSubscription.user_id == user.id)
                      .order_by(PushSubscription.created_at)).all()


def subscription_of(db: Session, user: User, subscription_id) -> PushSubscription | None:
    """The user's own subscription by id, or None (never someone else's)."""
    return lookup.owned(db, PushSubscription, user.id, subscription_id, owner_column="user_id")


def save(db: Session, user: User, *, endpoint: str, p256dh: str, auth: str, user_agent: str,
         session_id: int | None, now: datetime, label: str = "") -> PushSubscription:
    """Store a browser's subscription. The endpoint identifies it: subscribing again (or
    another person signing in on the same browser) updates the one row."""
    sub = db.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if sub is not None and sub.user_id != user.id:
        forget(db, sub)
        sub = None
    if sub is None:
        sub = PushSubscription(user_id=user.id, endpoint=endpoint, created_at=now)
        db.add(sub)
    sub.p256dh, sub.auth = p256dh, auth
    sub.user_agent = user_agent[:300]
    sub.device_label = label.strip()[:80] or sub.device_label
    sub.session_id = session_id
    sub.consecutive_failures = 0
    db.flush()
    return sub


def forget(db: Session, sub: PushSubscription) -> None:
    """Delete a subscription; its reminders not yet sent are cancelled (they keep their
    history, without a device)."""
    db.execute(update(Reminder)
               .where(Reminder.subscription_id == sub.id,
                      Reminder.status.in_([ReminderStatus.PENDING, ReminderStatus.CLAIMED]))
               .values(status=ReminderStatus.CANCELLED, claimed_by=None, claimed_until=None))
    db.delete(sub)
    db.flush()


def forget_for_session(db: Session, session_id: int) -> None:
    """Signing out of a device ends the subscriptions made in that sign-in."""
    for sub in db.scalars(select(PushSubscription)
                          .where(PushSubscription.session_id == session_id)).all():
        forget(db, sub)


def mark_delivered(db: Session, subscription_ids: set[int], now: datetime) -> None:
    if subscription_ids:
        db.execute(update(PushSubscription)
                   .where(PushSubscription.id.in_(subscription_ids))
                   .values(last_success_at=now, consecutive_failures=0)
                   .execution_options(synchronize_session=False))


def is_failing(sub: PushSubscription) -> bool:
    return sub.consecutive_failures >= FAILING_AFTER


def failing_devices(db: Session, user: User) -> list[PushSubscription]:
    return [sub for sub in subscriptions_of(db, user) if is_failing(sub)]
