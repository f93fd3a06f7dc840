"""The devices a client subscribed: storing, listing and forgetting them."""
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, literal, null, or_, select, union_all, update
from sqlalchemy.orm import Session

from models import LapsedSubscription, PushSubscription, Reminder, ReminderStatus, User
from tend.services import lookup

FAILING_AFTER = 3  # consecutive failed pushes before a device is flagged on Today


# Today reads both on every visit: built once (building a statement and its cache key for
# each request costs about as much as sending it).
_SUBSCRIPTIONS_OF = (select(PushSubscription)
                     .where(PushSubscription.user_id == bindparam("user_id"))
                     .order_by(PushSubscription.created_at))
_LAPSED_OF = (select(LapsedSubscription).where(LapsedSubscription.user_id == bindparam("user_id"))
              .order_by(LapsedSubscription.stopped_at.desc()))


def subscriptions_of(db: Session, user: User) -> list[PushSubscription]:
    return db.scalars(_SUBSCRIPTIONS_OF, {"user_id": user.id}).all()


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
    # One subscription per sign-in: a new one from this browser replaces the one it held.
    if session_id is not None:
        for older in db.scalars(select(PushSubscription).where(
                PushSubscription.session_id == session_id, PushSubscription.endpoint != endpoint,
                PushSubscription.user_id == user.id)).all():
            forget(db, older)
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
    return db.scalars(_LAPSED_OF, {"user_id": user.id}).all()


def forget_for_session(db: Session, session_id: int) -> None:
    """Signing out of a device ends the subscriptions made in that sign-in."""
    for sub in db.scalars(select(PushSubscription)
                          .where(PushSubscription.session_id == session_id)).all():
        forget(db, sub)


# Built once, Core on the table, the ids one expanding parameter: the dispatcher writes this
# with every group of deliveries.
_DELIVERED = update(PushSubscription.__table__).where(
    PushSubscription.__table__.c.id.in_(bindparam("subscription_ids", expanding=True)),
).values(last_success_at=bindparam("now"), consecutive_failures=0)


def mark_delivered(db: Session, subscription_ids: set[int], now: datetime) -> None:
    """The devices pushes were just delivered to are healthy again."""
    if subscription_ids:
        db.connection().execute(_DELIVERED, {"subscription_ids": list(subscription_ids),
                                             "now": now})  # Core: no ORM object touched


def is_failing(sub: PushSubscription) -> bool:
    return sub.consecutive_failures >= FAILING_AFTER


@dataclass(frozen=True)
class LapsedDevice:
    device_label: str
    user_agent: str
    stopped_at: datetime


@dataclass(frozen=True)
class ReminderHealth:
    """Whether reminders reach a client's devices, as Today tells them."""
    lapsed: list[LapsedDevice]  # devices the push service ended, newest first
    failing_agents: list[str]  # the browsers of the devices whose pushes keep failing
    reach_no_device: bool  # no device gets them: none subscribed, or every one failing


# Today asks on every visit: the lapsed devices and the subscribed ones in one read of plain
# columns (``stopped_at`` None for a subscribed device).
_DEVICES = PushSubscription.__table__.c
_LAPSED = LapsedSubscription.__table__.c
_REACH = union_all(  # the lapsed first: a union's columns have the first part's types
    select(_LAPSED.device_label, _LAPSED.user_agent,
           literal(0).label("consecutive_failures"), _LAPSED.stopped_at,
           _LAPSED.subscribed_at.label("created_at"))
    .where(_LAPSED.user_id == bindparam("user_id")),
    select(_DEVICES.device_label, _DEVICES.user_agent, _DEVICES.consecutive_failures, null(),
           _DEVICES.created_at)
    .where(_DEVICES.user_id == bindparam("user_id")))


def reminder_health(db: Session, user: User) -> ReminderHealth:
    rows = db.execute(_REACH, {"user_id": user.id}).all()
    devices = sorted((row for row in rows if row.stopped_at is None),
                     key=lambda row: row.created_at)
    lapsed = sorted((row for row in rows if row.stopped_at is not None),
                    key=lambda row: row.stopped_at, reverse=True)
    failing = [row.user_agent for row in devices if row.consecutive_failures >= FAILING_AFTER]
    return ReminderHealth([LapsedDevice(row.device_label, row.user_agent, row.stopped_at)
                           for row in lapsed], failing, len(failing) == len(devices))


# --- "Does this browser still get reminders?", asked by every app open --------------------

OK, RENEW, NONE = "ok", "renew", "none"


def this_device(db: Session, user: User, endpoint: str | None, session_id: int | None,
                user_agent: str) -> str:
    """What the server holds for the browser asking, whose push subscription is ``endpoint``
    (None: it has none). ``OK``: it gets reminders. ``RENEW``: reminders are meant to reach
    this browser but no working subscription of it is on record (the push service ended it,
    it keeps failing, or the browser's subscription changed): it should subscribe again
    silently. ``NONE``: reminders were never turned on here, were turned off, or this
    subscription is another person's: only a tap turns them on."""
    sub = db.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint)) \
        if endpoint else None
    if sub is not None:
        if sub.user_id != user.id:
            return NONE
        if session_id is not None and sub.session_id != session_id:
            sub.session_id = session_id  # this sign-in's now: signing out of it ends it
            db.flush()
        return RENEW if is_failing(sub) else OK
    ours = session_id is not None and db.scalar(select(PushSubscription.id).where(
        PushSubscription.user_id == user.id, PushSubscription.session_id == session_id))
    lapsed_here = any(lapsed.user_agent == user_agent[:300]
                      for lapsed in lapsed_devices(db, user))
    return RENEW if ours or lapsed_here else NONE


def replace_by_worker(db: Session, *, old_endpoint: str, old_auth: str, endpoint: str,
                      p256dh: str, auth: str) -> PushSubscription | None:
    """The browser replaced a subscription (``pushsubscriptionchange``, perhaps with no page
    open and no session): move the row to the new one. Only the holder of the old
    subscription's auth secret can, so nobody can redirect someone's reminders. None if the
    old one is unknown or the secret is wrong."""
    sub = db.scalar(select(PushSubscription).where(PushSubscription.endpoint == old_endpoint))
    if sub is None or not hmac.compare_digest(sub.auth.encode(), old_auth.encode()):
        return None
    taken = db.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if taken is not None and taken.id != sub.id:
        if taken.user_id != sub.user_id:
            return None
        forget(db, sub)
        return taken
    sub.endpoint, sub.p256dh, sub.auth = endpoint, p256dh, auth
    sub.consecutive_failures = 0
    db.flush()
    return sub
