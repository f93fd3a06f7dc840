"""Logging doses and telling taken, late, missed and skipped apart: the one place that
answers "what happened to this dose?"."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from models import (DoseEvent, DoseStatus, Medication, MedicationStatus, PlannedDose,
                    SkipReason, User)
from models.base import column_rows
from models.medication import HELPED_ANSWERS, local_date_of
from tend.services import lookup, medications, schedule
from tend.services.errors import Conflict, FieldError

ON_TIME = timedelta(hours=1)       # taken within an hour of the time: on time
MISSED_AFTER = timedelta(hours=6)  # not logged six hours after the time: missed
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock may run a little ahead
OLDEST = timedelta(days=366)
FOLLOW_UP_KEPT = timedelta(hours=24)  # "did it help?" is asked on Today for a day


class State:
    UPCOMING = "upcoming"
    DUE = "due"
    LATE = "late"
    MISSED = "missed"
    TAKEN = "taken"
    SKIPPED = "skipped"


def state_of(planned: PlannedDose, event: DoseEvent | None, now: datetime) -> str:
    return state_at(planned.due_at, event.status if event is not None else None, now)


def state_at(due_at: datetime, status: DoseStatus | None, now: datetime) -> str:
    """The state of a dose due at ``due_at``, logged with ``status`` (None: not logged)."""
    if status is not None:
        return State.TAKEN if status is DoseStatus.TAKEN else State.SKIPPED
    if now < due_at:
        return State.UPCOMING
    if now < due_at + ON_TIME:
        return State.DUE
    if now < due_at + MISSED_AFTER:
        return State.LATE
    return State.MISSED


def is_overdue(state: str) -> bool:
    """Not logged, and more than ``ON_TIME`` past its time (late or missed): Today states
    how long ago its time was and what the client noted for a missed dose."""
    return state in (State.LATE, State.MISSED)


def taken_late(planned: PlannedDose | None, event: DoseEvent) -> bool:
    return (planned is not None and event.status is DoseStatus.TAKEN
            and event.occurred_at > planned.due_at + ON_TIME)


@dataclass
class DoseRow:
    planned: PlannedDose
    event: DoseEvent | None
    state: str

    @property
    def late(self) -> bool:
        return self.event is not None and taken_late(self.planned, self.event)

    @property
    def overdue(self) -> bool:
        return is_overdue(self.state)


# The reads Today sends on every visit are built once: building a statement and its cache
# key for each request costs about as much as sending it.
_DOSES_ON = (select(PlannedDose)
             .where(PlannedDose.client_id == bindparam("client_id"),
                    PlannedDose.local_date == bindparam("day"))
             .options(joinedload(PlannedDose.event), joinedload(PlannedDose.medication))
             .order_by(PlannedDose.due_at, PlannedDose.medication_id))


def doses_on(db: Session, client: User, day: date, now: datetime) -> list[DoseRow]:
    """The client's scheduled doses on a local day, in time order, with what happened
    (``schedule.plan_doses`` first, for a day that may not be planned yet)."""
    planned = db.scalars(_DOSES_ON, {"client_id": client.id, "day": day}).unique().all()
    return [DoseRow(p, p.event, state_of(p, p.event, now)) for p in planned]


_DAY_OF_DOSES = (select(PlannedDose.id, PlannedDose.medication_id, PlannedDose.regimen_id,
                        PlannedDose.local_date, PlannedDose.local_time, PlannedDose.timezone,
                        PlannedDose.due_at, DoseEvent.id.label("event_id"), DoseEvent.status,
                        DoseEvent.occurred_at, DoseEvent.timezone.label("event_timezone"),
                        DoseEvent.skip_reason)
                 .outerjoin(DoseEvent, DoseEvent.planned_dose_id == PlannedDose.id)
                 .where(PlannedDose.client_id == bindparam("client_id"),
                        PlannedDose.local_date == bindparam("day"))
                 .order_by(PlannedDose.due_at, PlannedDose.medication_id))


def day_of_doses(db: Session, client: User, day: date) -> list:
    """``doses_on``'s doses as plain columns, for Today (which has the medications and their
    versions already): each the planned dose's columns, and its event's as ``event_id``,
    ``status`` (None when not logged; ``state_at`` tells its state), ``occurred_at``,
    ``event_timezone`` and ``skip_reason``."""
    return column_rows(db, _DAY_OF_DOSES, {"client_id": client.id, "day": day}).all()


def find_by_key(db: Session, client: User, key: str | None) -> DoseEvent | None:
    if not key:
        return None
    return db.scalar(select(DoseEvent).where(DoseEvent.client_id == client.id,
                                             DoseEvent.idempotency_key == key))


def planned_dose_of(db: Session, client: User, planned_dose_id) -> PlannedDose | None:
    return lookup.owned(db, PlannedDose, client.id, planned_dose_id)


def _check_time(occurred_at: datetime, now: datetime) -> None:
    if occurred_at > now + CLOCK_SKEW:
        raise FieldError("taken_at", _l("That time is in the future. Choose a time up to now."))
    if occurred_at < now - OLDEST:
        raise FieldError("taken_at", _l("That is more than a year ago. Check the date."))


@dataclass
class Logged:
    event: DoseEvent
    created: bool
    over_daily_max: bool = False
    # An as-needed dose taken sooner than its least interval after the one before: that
    # earlier dose (the page says so; the dose is recorded all the same).
    sooner_than_planned_after: DoseEvent | None = None


def record(db: Session, client: User, *, medication_id, status: DoseStatus, now: datetime,
           planned_dose_id=None, taken_at: datetime | None = None,
           skip_reason: SkipReason | None = None, note: str = "",
           idempotency_key: str | None = None, logged_by: User | None = None) -> Logged:
    """Log a dose taken or skipped. The same idempotency key twice logs it once."""
    existing = find_by_key(db, client, idempotency_key)
    if existing:
        return Logged(existing, created=False)
    med = medications.medication_of(db, client, medication_id)
    if med is None:
        raise FieldError("medication_id", _l("Choose one of your medications."))
    planned = None
    if planned_dose_id not in (None, ""):
        planned = planned_dose_of(db, client, planned_dose_id)
        if planned is None or planned.medication_id != med.id:
            raise FieldError("planned_dose_id", _l("This dose isn't on your schedule."))
        if planned.event is not None:
            raise Conflict(str(_l("This dose is already logged.")), planned.event)
    if status is DoseStatus.SKIPPED and planned is None:
        raise FieldError("planned_dose_id", _l("Choose the scheduled dose you skipped."))
    occurred = taken_at or now
    _check_time(occurred, now)
    if status is DoseStatus.SKIPPED:
        occurred = planned.due_at
    regimen = planned.regimen if planned else medications.version_at(med, occurred)
    taken = status is DoseStatus.TAKEN
    amount = schedule.amount_on(regimen, planned.local_date) if planned else regimen.amount
    as_needed = taken and planned is None and regimen.as_needed
    event = DoseEvent(client_id=client.id, medication_id=med.id, planned_dose=planned,
                      status=status, occurred_at=occurred, note=note.strip(),
                      timezone=planned.timezone if planned else client.zone_here,
                      skip_reason=skip_reason if status is DoseStatus.SKIPPED else None,
                      amount=amount if taken else None,
                      logged_at=now, logged_by_id=logged_by.id if logged_by else None,
                      idempotency_key=idempotency_key,
                      follow_up_at=occurred + timedelta(minutes=regimen.follow_up_minutes)
                      if as_needed and regimen.follow_up_minutes else None)
    sooner = too_soon_after(db, med, regimen, occurred) if as_needed else None
    db.add(event)
    if taken and med.units_on_hand is not None:
        med.units_on_hand -= amount
    db.flush()
    over = as_needed and regimen.max_per_day and \
        taken_on_day(db, client, med, occurred, exclude_planned=True) > regimen.max_per_day
    return Logged(event, created=True, over_daily_max=bool(over),
                  sooner_than_planned_after=sooner)


def too_soon_after(db: Session, med: Medication, regimen, moment: datetime) -> DoseEvent | None:
    """The dose of ``med`` taken less than the regimen's least interval before ``moment``,
    if there is one (the latest)."""
    if not regimen.min_interval_minutes:
        return None
    since = moment - timedelta(minutes=regimen.min_interval_minutes)
    return db.scalar(select(DoseEvent).where(
        DoseEvent.medication_id == med.id, DoseEvent.status == DoseStatus.TAKEN,
        DoseEvent.occurred_at > since, DoseEvent.occurred_at <= moment)
        .order_by(DoseEvent.occurred_at.desc()).limit(1))


def answer_follow_up(event: DoseEvent, answer: str, now: datetime) -> None:
    """"Did it help?" answered for an as-needed dose (an answer can be changed)."""
    if answer not in HELPED_ANSWERS:
        raise FieldError("helped", _l("Choose one of the answers."))
    event.helped, event.helped_at = answer, now


_FOLLOW_UPS_DUE = (select(DoseEvent.id, DoseEvent.occurred_at, DoseEvent.timezone,
                          Medication.name.label("medication_name"))
                   .join(Medication, Medication.id == DoseEvent.medication_id)
                   .where(DoseEvent.client_id == bindparam("client_id"),
                          DoseEvent.helped.is_(None), DoseEvent.follow_up_at <= bindparam("now"),
                          DoseEvent.follow_up_at > bindparam("kept_since"))
                   .order_by(DoseEvent.follow_up_at))  # Today: built once (see _DOSES_ON)


def follow_ups_due(db: Session, client: User, now: datetime) -> list:
    """The as-needed doses of the last day whose "did it help?" time has come, unanswered:
    each event's ``id``, ``occurred_at`` and ``timezone``, and its ``medication_name``."""
    return column_rows(db, _FOLLOW_UPS_DUE, {"client_id": client.id, "now": now,
                                             "kept_since": now - FOLLOW_UP_KEPT}).all()


def taken_on_day(db: Session, client: User, med: Medication, moment: datetime,
                 exclude_planned: bool = False) -> int:
    """How many doses of ``med`` were taken on the client's local day of ``moment``."""
    day = moment.astimezone(ZoneInfo(client.timezone)).date()
    start = schedule.start_of_local_day(day, client.timezone)
    end = schedule.start_of_local_day(day + timedelta(days=1), client.timezone)
    query = select(func.count()).select_from(DoseEvent).where(
        DoseEvent.client_id == client.id, DoseEvent.medication_id == med.id,
        DoseEvent.status == DoseStatus.TAKEN, DoseEvent.occurred_at >= start,
        DoseEvent.occurred_at < end)
    if exclude_planned:
        query = query.where(DoseEvent.planned_dose_id.is_(None))
    return db.scalar(query)


def event_of(db: Session, client: User, event_id) -> DoseEvent | None:
    return lookup.owned(db, DoseEvent, client.id, event_id)


def undo(db: Session, client: User, event: DoseEvent, now: datetime) -> None:
    """Remove a logged dose; a taken dose goes back into the supply count. Its planned dose
    shows as not logged again if it is still wanted, and goes if nobody should take it any
    more (``schedule.unlogged``: after a stop, a change, a pause or a move)."""
    med, planned = event.medication, event.planned_dose
    if event.status is DoseStatus.TAKEN and med.units_on_hand is not None and event.amount:
        med.units_on_hand += event.amount
    db.delete(event)
    db.flush()
    if planned is not None:
        db.expire(planned, ["event"])
        schedule.unlogged(db, client, planned, now)


def change_time(event: DoseEvent, taken_at: datetime, now: datetime) -> None:
    """Correct when a dose was taken; its "did it help?" moves with it (same delay)."""
    _check_time(taken_at, now)
    if event.follow_up_at is not None:
        event.follow_up_at += taken_at - event.occurred_at
    event.occurred_at = taken_at


def as_needed_on(meds: list[Medication], client: User, day: date,
                 now: datetime) -> list[medications.Dosing]:
    """The active ones among ``meds`` (from ``medications.medications_of``) taken as needed
    on the local day ``day``, each with the version in force that day."""
    return as_needed_among([medications.dosing_on(med, client, day, now) for med in meds
                            if med.status is MedicationStatus.ACTIVE])


def as_needed_among(dosings: list[medications.Dosing]) -> list[medications.Dosing]:
    """The active medications among ``dosings`` (``medications.dosing_on`` of one day) taken
    as needed that day (``as_needed_on`` for a page that has each medication's dosing)."""
    return [dosing for dosing in dosings
            if dosing.medication.status is MedicationStatus.ACTIVE and dosing.regimen.as_needed]




# --- Why doses were skipped, month by month -------------------------------------------------

SKIP_MONTHS = 6  # the months a page totals, this one included


@dataclass
class MonthOfSkips:
    """How many doses were skipped in one calendar month, and for which reasons (a skip
    without a reason counts under None)."""

    month: date  # its first day
    reasons: dict

    @property
    def total(self) -> int:
        return sum(self.reasons.values())


def month_start(day: date, back: int = 0) -> date:
    """The first day of ``day``'s month, or of the month ``back`` months before it."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


_SKIPS = select(DoseEvent.occurred_at, DoseEvent.timezone, DoseEvent.skip_reason).where(
    DoseEvent.client_id == bindparam("client_id"), DoseEvent.status == DoseStatus.SKIPPED,
    DoseEvent.occurred_at >= bindparam("start"), DoseEvent.occurred_at < bindparam("end"))


def skips_by_month(db: Session, client: User, last: date, months: int = SKIP_MONTHS,
                   within=None) -> list[MonthOfSkips]:
    """Skipped doses of the ``months`` months up to ``last``'s, newest month first, each
    counted on the day it was due where it was due; months without a skip are left out.
    ``within`` is an extra SQL condition on the events (a sharing window)."""
    first = month_start(last, months - 1)
    start = schedule.start_of_local_day(first, client.timezone) - timedelta(days=1)
    end = schedule.start_of_local_day(last + timedelta(days=1), client.timezone) \
        + timedelta(days=1)
    query = _SKIPS if within is None else _SKIPS.where(within)
    result: dict[date, MonthOfSkips] = {}
    for occurred_at, zone_name, reason in column_rows(
            db, query, {"client_id": client.id, "start": start, "end": end}):
        day = local_date_of(occurred_at, zone_name)
        if first <= day <= last:
            month = result.setdefault(month_start(day), MonthOfSkips(month_start(day), {}))
            month.reasons[reason] = month.reasons.get(reason, 0) + 1
    order = list(SkipReason) + [None]
    for month in result.values():  # in the order the reasons are offered, "none given" last
        month.reasons = dict(sorted(month.reasons.items(), key=lambda kv: order.index(kv[0])))
    return sorted(result.values(), key=lambda m: m.month, reverse=True)
