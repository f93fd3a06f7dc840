"""History: a day-by-day timeline of everything the client logged, a week per page.

Each kind of entry is read with one query over the week, so the page costs the same
number of queries however long the record is."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from models import (CheckIn, DoseEvent, Medication, PlannedDose, Regimen, SideEffect, db)
from models.journal import CHECKIN_MEASURES
from tend import clock
from tend.access import client_required
from tend.client import bp
from tend.services import doses, schedule

DAYS_PER_PAGE = 7


@dataclass
class Entry:
    kind: str  # dose, as_needed, side_effect, change, stopped
    moment: datetime | None
    item: object
    state: str = ""
    late: bool = False


@dataclass
class Day:
    day: date
    checkin: CheckIn | None = None
    entries: list[Entry] = field(default_factory=list)


def _planned_doses(first: date, last: date) -> list[PlannedDose]:
    return db.session.scalars(
        select(PlannedDose)
        .where(PlannedDose.client_id == current_user.id, PlannedDose.local_date >= first,
               PlannedDose.local_date <= last)
        .options(joinedload(PlannedDose.event), joinedload(PlannedDose.medication),
                 joinedload(PlannedDose.regimen))).unique().all()


def _unplanned_events(start: datetime, end: datetime) -> list[DoseEvent]:
    return db.session.scalars(
        select(DoseEvent)
        .where(DoseEvent.client_id == current_user.id, DoseEvent.planned_dose_id.is_(None),
               DoseEvent.occurred_at >= start, DoseEvent.occurred_at < end)
        .options(joinedload(DoseEvent.medication))).all()


def _side_effects(first: date, last: date) -> list[SideEffect]:
    return db.session.scalars(
        select(SideEffect)
        .where(SideEffect.client_id == current_user.id, SideEffect.started_on >= first,
               SideEffect.started_on <= last)
        .options(selectinload(SideEffect.medications))).all()


def _checkins(first: date, last: date) -> list[CheckIn]:
    return db.session.scalars(
        select(CheckIn).where(CheckIn.client_id == current_user.id,
                              CheckIn.local_date >= first, CheckIn.local_date <= last)).all()


def _regimen_changes(start: datetime, end: datetime) -> list[Regimen]:
    return db.session.scalars(
        select(Regimen).join(Medication)
        .where(Medication.client_id == current_user.id, Regimen.valid_from >= start,
               Regimen.valid_from < end)
        .options(joinedload(Regimen.medication))).all()


def _stopped(first: date, last: date) -> list[Medication]:
    return db.session.scalars(
        select(Medication).where(Medication.client_id == current_user.id,
                                 Medication.ended_on >= first, Medication.ended_on <= last)).all()


def timeline(first: date, last: date, now: datetime) -> list[Day]:
    """Days ``last`` back to ``first``, each with its check-in and its entries, newest first."""
    zone = ZoneInfo(current_user.timezone)
    start = schedule.start_of_local_day(first, current_user.timezone)
    end = schedule.start_of_local_day(last + timedelta(days=1), current_user.timezone)
    days = {first + timedelta(days=n): Day(first + timedelta(days=n))
            for n in range((last - first).days + 1)}

    def local_day(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    for planned in _planned_doses(first, last):
        state = doses.state_of(planned, planned.event, now)
        if state != doses.State.UPCOMING:
            moment = planned.event.occurred_at if planned.event else planned.due_at
            days[planned.local_date].entries.append(Entry(
                "dose", moment, planned, state,
                late=bool(planned.event) and doses.taken_late(planned, planned.event)))
    # An event belongs to its day where it happened, which may be a day either side of
    # the same moment's day here: read a day more each side and keep those of the week.
    for event in _unplanned_events(start - timedelta(days=1), end + timedelta(days=1)):
        if event.local_date in days:
            days[event.local_date].entries.append(
                Entry("as_needed", event.occurred_at, event, "taken"))
    for item in _side_effects(first, last):
        days[item.started_on].entries.append(Entry("side_effect", None, item))
    for regimen in _regimen_changes(start, end):
        days[local_day(regimen.valid_from)].entries.append(
            Entry("change", regimen.valid_from, regimen))
    for med in _stopped(first, last):
        days[med.ended_on].entries.append(Entry("stopped", None, med))
    for item in _checkins(first, last):
        days[item.local_date].checkin = item
    for day in days.values():
        # Undated entries (side effects, stops) first, then the newest moment first.
        day.entries.sort(key=lambda e: (e.moment is not None,
                                        -(e.moment.timestamp() if e.moment else 0)))
    return sorted(days.values(), key=lambda d: d.day, reverse=True)


def newest_day(now: datetime) -> date:
    """The client's latest local day with something in it: today, or after a flight west the
    day already lived where a dose was logged (or skipped ahead of its time) or a check-in
    made (still ahead here)."""
    today = schedule.local_today(current_user, now)
    recent_zones = db.session.scalars(
        select(DoseEvent.timezone).distinct()
        .where(DoseEvent.client_id == current_user.id,
               DoseEvent.occurred_at > now - timedelta(days=1)))
    checkin_ahead = db.session.scalar(
        select(CheckIn.local_date).where(CheckIn.client_id == current_user.id,
                                         CheckIn.local_date > today)
        .order_by(CheckIn.local_date.desc()).limit(1))
    return max([today, *(now.astimezone(ZoneInfo(zone)).date() for zone in recent_zones),
                *([checkin_ahead] if checkin_ahead else [])])


@bp.get("/history")
@client_required
def history():
    now = clock.now()
    today, newest = schedule.local_today(current_user, now), newest_day(now)
    try:
        last = date.fromisoformat(request.args["until"]) if request.args.get("until") else today
    except ValueError:
        abort(404)
    last = min(last, newest)
    first = last - timedelta(days=DAYS_PER_PAGE - 1)
    if schedule.plan_doses(db.session, current_user, now):
        db.session.commit()  # days not opened yet show as not logged
    return render_template("client/history.html", days=timeline(first, last, now), today=today,
                           checkin_measures=CHECKIN_MEASURES,
                           skips=doses.skips_by_month(db.session, current_user, last),
                           earlier=first - timedelta(days=1),
                           newest=newest,
                           later=min(last + timedelta(days=DAYS_PER_PAGE), newest)
                           if last < newest else None)
