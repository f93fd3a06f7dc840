"""Filling the outbox: which reminders should exist for the next hours.

Each kind plans its own reminders (``tend.reminders.kinds``); this walks the subscribed
clients and asks each of their kinds, then plans caregiver alerts. Every kind's insert is
idempotent, so planning twice, or in two workers at once, adds nothing."""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import PushSubscription, User
from tend.reminders import kinds
from tend.reminders.kinds import caregiver_alert
from tend.services import schedule

HORIZON = timedelta(hours=6)       # the worker's pass, once a minute
ON_CHANGE_HORIZON = timedelta(hours=48)  # a change plans this far at once (schedule.PLAN_AHEAD)


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
    caregiver_alert.plan(db, now)


def plan_for_client(db: Session, client: User, subscriptions: list[PushSubscription] | None,
                    now: datetime, horizon: timedelta = HORIZON) -> None:
    if subscriptions is None:
        subscriptions = db.scalars(select(PushSubscription)
                                   .where(PushSubscription.user_id == client.id)).all()
    if not subscriptions:
        return
    for kind in kinds.PLANNED_PER_CLIENT:
        # A check-in invitation is not timed to the minute: the worker's pass plans it.
        kind.plan(db, client, subscriptions, now,
                  min(horizon, HORIZON) if kind is kinds.checkin else horizon)


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
