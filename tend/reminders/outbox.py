"""The outbox: adding reminders, claiming due ones so that each is sent by exactly one
worker, and writing outcomes.

Rows are added by one insert that ignores duplicates: every kind's rows are unique on what
they remind of and the device, so planning twice, or in two workers at once, adds nothing.

A claim is a lease: ``status = claimed`` with ``claimed_by`` and ``claimed_until``. It is taken
with one conditional UPDATE (PostgreSQL locks the candidate rows with ``FOR UPDATE SKIP
LOCKED``, so concurrent workers take disjoint rows without waiting; SQLite serialises writers
anyway). A worker that dies keeps its claims only until the lease runs out; then another worker
takes them. Every outcome is written only ``WHERE claimed_by = <this worker>``, so a worker
that lost its lease cannot overwrite the one that took over."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import PushSubscription, Reminder, ReminderStatus

LEASE = timedelta(seconds=60)  # far longer than a send's timeout


@dataclass(frozen=True)
class Wanted:
    """A reminder a kind wants: when it is due, and until when it is still worth sending."""
    kind: str
    due_at: datetime
    expires_at: datetime


def loaded(db: Session, reminder_ids: list[int], *options) -> list[Reminder]:
    """The reminders as ORM objects with the loader ``options`` given (a kind's ``load`` that
    reads relationships: the rarer kinds)."""
    return db.scalars(select(Reminder).where(Reminder.id.in_(reminder_ids))
                      .options(*options)).unique().all()


def new_rows(user_id: int, device_ids, wanted: Wanted, **keys) -> list[dict]:
    """One pending outbox row per device; ``keys`` say what it reminds of (the planned dose,
    medication, refill day or check-in day)."""
    return [{"user_id": user_id, "subscription_id": device_id, "kind": wanted.kind,
             "status": ReminderStatus.PENDING, "due_at": wanted.due_at,
             "expires_at": wanted.expires_at, "next_attempt_at": wanted.due_at, "attempts": 0,
             "last_error": "", **keys} for device_id in device_ids]


def _insert(db: Session):
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(Reminder)


def add_ignoring_duplicates(db: Session, rows: list[dict]) -> None:
    """Add reminders; a row that exists already (same kind, subject and device) is left as
    it is."""
    if rows:
        db.execute(_insert(db).on_conflict_do_nothing(), rows)


def add_or_replace(db: Session, row: dict, key: tuple[str, ...]) -> None:
    """Add a reminder, or make the one with the same ``key`` pending again with this row's
    times (a snooze tapped twice moves the one reminder)."""
    statement = _insert(db).values(**row)
    db.execute(statement.on_conflict_do_update(
        index_elements=list(key),
        set_={column: statement.excluded[column] for column in
              ("status", "due_at", "expires_at", "next_attempt_at", "attempts", "last_error")}))


def _claim(db: Session, condition, order, worker: str, now: datetime, limit: int,
           lease: timedelta) -> list[tuple[int, str]]:
    candidates = select(Reminder.id).where(condition).order_by(order).limit(limit)
    if db.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    return [tuple(row) for row in db.execute(
        update(Reminder).where(Reminder.id.in_(candidates.scalar_subquery()))
        .values(status=ReminderStatus.CLAIMED, claimed_by=worker, claimed_until=now + lease)
        .returning(Reminder.id, Reminder.kind))]


def claim_due(db: Session, worker: str, now: datetime, limit: int,
              lease: timedelta = LEASE) -> list[tuple[int, str]]:
    """Take up to ``limit`` due reminders for ``worker``, oldest first, starting with claims
    whose lease ran out (their worker died); commits, so the claim holds. Returns the ids
    and kinds, by id. Each statement reads one status through the (status,
    next_attempt_at) index: no scan of the outbox."""
    in_window = and_(Reminder.expires_at > now, Reminder.subscription_id.is_not(None))
    claimed = _claim(db, and_(Reminder.status == ReminderStatus.CLAIMED,
                              Reminder.claimed_until < now, in_window),
                     Reminder.claimed_until, worker, now, limit, lease)
    if len(claimed) < limit:
        claimed += _claim(db, and_(Reminder.status == ReminderStatus.PENDING,
                                   Reminder.next_attempt_at <= now, in_window),
                          Reminder.next_attempt_at, worker, now, limit - len(claimed), lease)
    db.commit()
    return sorted(claimed)


_row = Reminder.__table__.c
# Still claimed, in a statement that names its rows by id: written as an expression, not the
# bare column, so that SQLite looks the rows up by id (given the column, it reads every
# claimed row through the (status, next_attempt_at) index instead: a backlog of thousands).
_STILL_CLAIMED = (_row.status + "") == ReminderStatus.CLAIMED
# Built once, Core on the table, the ids one expanding parameter: the dispatcher writes this
# with every group of deliveries.
_SETTLE_SENT = update(Reminder.__table__).where(
    _row.id.in_(bindparam("reminder_ids", expanding=True)), _row.claimed_by == bindparam("worker"),
    _STILL_CLAIMED,
).values(status=ReminderStatus.SENT, sent_at=bindparam("now"), attempts=_row.attempts + 1,
         last_error="", claimed_by=None, claimed_until=None)


def settle_sent(db: Session, reminder_ids: list[int], worker: str, now: datetime) -> None:
    """Mark delivered reminders sent (only those this worker still holds)."""
    if reminder_ids:
        # On the session's connection, without the ORM's steps (no ORM object is touched).
        db.connection().execute(_SETTLE_SENT, {"reminder_ids": reminder_ids, "worker": worker,
                                               "now": now})


def claim_one(db: Session, reminder_id: int, worker: str, now: datetime,
              lease: timedelta = LEASE) -> str | None:
    """Take one particular pending reminder (a test notification sent at once); returns its
    kind, or None if it was not pending."""
    kind = db.scalar(update(Reminder)
                     .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PENDING)
                     .values(status=ReminderStatus.CLAIMED, claimed_by=worker,
                             claimed_until=now + lease)
                     .returning(Reminder.kind))
    db.commit()
    return kind


def expire_stale(db: Session, now: datetime) -> int:
    """Reminders past their useful window are never sent: after downtime, no burst of old
    notifications. Never tried: missed; tried and failed every time: failed."""
    open_rows = and_(Reminder.expires_at <= now, or_(
        Reminder.status == ReminderStatus.PENDING,
        and_(Reminder.status == ReminderStatus.CLAIMED, Reminder.claimed_until < now)))
    missed = db.execute(update(Reminder).where(open_rows, Reminder.attempts == 0)
                        .values(status=ReminderStatus.MISSED, claimed_by=None)).rowcount
    failed = db.execute(update(Reminder).where(open_rows, Reminder.attempts > 0)
                        .values(status=ReminderStatus.FAILED, claimed_by=None,
                                last_error="Not delivered within its time")).rowcount
    return missed + failed


def settle(db: Session, reminder_id: int, worker: str, **values) -> bool:
    """Write an outcome if ``worker`` still holds the claim; False if it lost it."""
    return db.execute(update(Reminder)
                      .where(Reminder.id == reminder_id, Reminder.claimed_by == worker,
                             Reminder.status == ReminderStatus.CLAIMED)
                      .values(claimed_by=None, claimed_until=None, **values)
                      .execution_options(synchronize_session=False)).rowcount == 1


def hold_back(db: Session, origin: str, until: datetime) -> int:
    """A push service asked to be left alone until ``until``: its pending reminders wait till
    then, so no worker claims them before (the others' are untouched). Returns how many."""
    devices = select(PushSubscription.id).where(
        PushSubscription.endpoint.startswith(origin + "/", autoescape=True))
    return db.execute(update(Reminder)
                      .where(Reminder.status == ReminderStatus.PENDING,
                             Reminder.next_attempt_at < until,
                             Reminder.subscription_id.in_(devices.scalar_subquery()))
                      .values(next_attempt_at=until)
                      .execution_options(synchronize_session=False)).rowcount


def renew(db: Session, reminder_ids: list[int], worker: str, claimed_until: datetime,
          until: datetime) -> list[int]:
    """Extend this worker's claim ``claimed_until`` (still running) on reminders it has not
    started yet to ``until``; returns those it still held."""
    return db.scalars(update(Reminder)
                      .where(Reminder.id.in_(reminder_ids), Reminder.claimed_by == worker,
                             _STILL_CLAIMED, Reminder.claimed_until == claimed_until)
                      .values(claimed_until=until)
                      .returning(Reminder.id)
                      .execution_options(synchronize_session=False)).all()


def release(db: Session, reminder_ids: list[int], worker: str) -> None:
    """Give back claims this worker will not send after all (it is stopping)."""
    if reminder_ids:
        db.execute(update(Reminder)
                   .where(Reminder.id.in_(reminder_ids), Reminder.claimed_by == worker,
                          _STILL_CLAIMED)
                   .values(status=ReminderStatus.PENDING, claimed_by=None, claimed_until=None))


def status_counts(db: Session, now: datetime) -> dict:
    """What ``flask reminders status`` prints."""
    due = and_(Reminder.status.in_([ReminderStatus.PENDING, ReminderStatus.CLAIMED]),
               Reminder.due_at <= now)
    counts = dict(db.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
    return {"due": db.scalar(select(func.count()).select_from(Reminder).where(due)),
            "pending": counts.get(ReminderStatus.PENDING, 0),
            "claimed": counts.get(ReminderStatus.CLAIMED, 0),
            "sent": counts.get(ReminderStatus.SENT, 0),
            "failed": counts.get(ReminderStatus.FAILED, 0),
            "missed": counts.get(ReminderStatus.MISSED, 0),
            "cancelled": counts.get(ReminderStatus.CANCELLED, 0),
            "oldest_unsent_due": db.scalar(select(func.min(Reminder.due_at)).where(due))}
