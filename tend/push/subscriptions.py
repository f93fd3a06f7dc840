"""The devices a client subscribed: storing, listing and forgetting them."""
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from models import LapsedSubscription, PushSubscription, Reminder, ReminderStatus, User
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
    # Reminders are on again in this browser: it no longer counts as a device they stopped on.
    db.execute(delete(LapsedSubscription).where(
        LapsedSubscription.user_id == user.id,
        or_(LapsedSubscription.user_agent == sub.user_agent,
            LapsedSubscription.device_label == (sub.device_label or None))))
    db.flush()
    return sub


def forget(db: Session, sub: PushSubscription, ended: datetime | None = None) -> None:
    """Delete a subscription; its pending reminders are cancelled (they keep their history,
    without a device). Reminders a worker holds are left to it: it writes each one's own
    outcome. ``ended``: the push service ended it then (404/410), so the person is told
    reminders stopped reaching that device."""
    db.execute(update(Reminder)
               .where(Reminder.subscription_id == sub.id,
                      Reminder.status == ReminderStatus.PENDING)
               .values(status=ReminderStatus.CANCELLED)
               .execution_options(synchronize_session=False))
    if ended is not None:
        db.add(LapsedSubscription(user_id=sub.user_id, device_label=sub.device_label,
                                  user_agent=sub.user_agent, subscribed_at=sub.created_at,
                                  stopped_at=ended))
    db.delete(sub)
    db.flush()


def lapsed_devices(db: Session, user: User) -> list[LapsedSubscription]:
    """Devices reminders stopped reaching (their subscription ended), newest first."""
    return db.scalars(select(LapsedSubscription).where(LapsedSubscription.user_id == user.id)
                      .order_by(LapsedSubscription.stopped_at.desc())).all()


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
