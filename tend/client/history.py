"""History: a day-by-day timeline of everything the client logged, a week per page.

Each kind of entry is read with one query over the week, so the page costs the same
number of queries however long the record is."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from models import (CheckIn, DoseEvent, DoseStatus, Medication, PlannedDose, Regimen, SideEffect,
                    SkipReason, db)
from models.journal import CHECKIN_MEASURES
from tend import clock
from tend.access import client_required
from tend.client import bp
from tend.client.display import checkin_answer_text, medication_title
from tend.formatting import clock_in_zone
from tend.services import doses, schedule
from tend.urls import url_pattern

DAYS_PER_PAGE = 7
bp.add_app_template_global(url_pattern)


@dataclass
class Entry:
    kind: str  # dose, as_needed, side_effect, change, stopped
    moment: datetime | None
    item: object
    state: str = ""
    late: bool = False
    at: str = ""  # an as-needed intake's time of day, as ``clock_in_zone`` writes it


@dataclass
class Day:
    day: date
    checkin: CheckIn | None = None
    answers: str = ""  # the check-in's answers in words: "Sleep: 7.5 h · Mood: 4/5"
    entries: list[Entry] = field(default_factory=list)


class Logged(NamedTuple):
    """What was logged for a planned dose (the columns History shows)."""

    id: int
    status: DoseStatus
    occurred_at: datetime
    taken: str  # "Taken at 8:32 AM" for a dose taken, else ""
    skip_reason: SkipReason | None
    note: str


class Dose(NamedTuple):
    """A planned dose as History lists it: read as columns, not as ORM objects, since a week
    holds about a hundred of them and the page changes none."""

    id: int
    due_at: datetime
    due: str  # its time of day, as ``clock_in_zone`` writes it
    title: str  # "Sertraline 50 mg"
    name: str
    event: Logged | None


def _times_of_day():
    """``clock_in_zone`` for one page: a week's hundred doses fall at a few times of day, so
    each (time, zone) is written once per page."""
    written: dict[tuple[time, str], str] = {}

    def at(moment: datetime, zone_name: str, local_time: time | None = None) -> str:
        local = local_time or moment.astimezone(ZoneInfo(zone_name)).time()
        if (local, zone_name) not in written:
            written[local, zone_name] = clock_in_zone(moment, zone_name, local)
        return written[local, zone_name]
    return at


def _checkin_answers():
    """A check-in's answers in words, each answer's words made once per page."""
    said = _("%(answer)s: %(value)s")
    labels = {answer.name: str(answer.label) for answer in CHECKIN_MEASURES}
    written: dict[tuple[str, object], str] = {}

    def answers(checkin: CheckIn) -> str:
        parts = []
        for name, label in labels.items():
            value = getattr(checkin, name)
            if value is not None:
                if (name, value) not in written:
                    written[name, value] = checkin_answer_text(name, value)
                parts.append(said % {"answer": label, "value": written[name, value]})
        return " · ".join(parts)
    return answers


# History's reads, built once (a statement and its cache key built for each request cost
# about as much as sending it): the client and the week are bound on each visit.
_PLANNED_DOSES = (
    select(PlannedDose.id, PlannedDose.local_date, PlannedDose.local_time,
           PlannedDose.timezone, PlannedDose.due_at, Medication.name, Regimen.strength,
           Regimen.strength_unit, DoseEvent.id.label("event_id"), DoseEvent.status,
           DoseEvent.occurred_at, DoseEvent.timezone.label("event_zone"),
           DoseEvent.skip_reason, DoseEvent.note)
    .join(Medication, Medication.id == PlannedDose.medication_id)
    .join(Regimen, Regimen.id == PlannedDose.regimen_id)
    .outerjoin(DoseEvent, DoseEvent.planned_dose_id == PlannedDose.id)
    .where(PlannedDose.client_id == bindparam("client_id"),
           PlannedDose.local_date >= bindparam("first"),
           PlannedDose.local_date <= bindparam("last"))
    .order_by(PlannedDose.due_at, PlannedDose.id))
_UNPLANNED_EVENTS = (
    select(DoseEvent)
    .where(DoseEvent.client_id == bindparam("client_id"), DoseEvent.planned_dose_id.is_(None),
           DoseEvent.occurred_at >= bindparam("start"), DoseEvent.occurred_at < bindparam("end"))
    .options(joinedload(DoseEvent.medication)))
_SIDE_EFFECTS = (
    select(SideEffect)
    .where(SideEffect.client_id == bindparam("client_id"),
           SideEffect.started_on >= bindparam("first"), SideEffect.started_on <= bindparam("last"))
    .options(selectinload(SideEffect.medications)))
_CHECKINS = select(CheckIn).where(
    CheckIn.client_id == bindparam("client_id"), CheckIn.local_date >= bindparam("first"),
    CheckIn.local_date <= bindparam("last"))
_REGIMEN_CHANGES = (
    select(Regimen).join(Medication)
    .where(Medication.client_id == bindparam("client_id"),
           Regimen.valid_from >= bindparam("start"), Regimen.valid_from < bindparam("end"))
    .options(joinedload(Regimen.medication)))
_STOPPED = select(Medication).where(
    Medication.client_id == bindparam("client_id"), Medication.ended_on >= bindparam("first"),
    Medication.ended_on <= bindparam("last"))
_RECENT_ZONES = select(DoseEvent.timezone).distinct().where(
    DoseEvent.client_id == bindparam("client_id"), DoseEvent.occurred_at > bindparam("since"))
_CHECKIN_AHEAD = (
    select(CheckIn.local_date)
    .where(CheckIn.client_id == bindparam("client_id"), CheckIn.local_date > bindparam("today"))
    .order_by(CheckIn.local_date.desc()).limit(1))


def _week(first: date, last: date) -> dict:
    return {"client_id": current_user.id, "first": first, "last": last}


def _span(start: datetime, end: datetime) -> dict:
    return {"client_id": current_user.id, "start": start, "end": end}


def _planned_doses(first: date, last: date, at) -> list[tuple[date, Dose]]:
    """The planned doses of local days ``first``..``last`` with what was logged (one query)."""
    taken_at = _("Taken at %(time)s")
    rows = db.session.execute(_PLANNED_DOSES, _week(first, last))
    titles: dict[tuple, str] = {}
    result = []
    for row in rows:
        version = (row.name, row.strength, row.strength_unit)
        if version not in titles:  # the row has the medication's name and the version's strength
            titles[version] = medication_title(row, row)
        event = None if row.event_id is None else Logged(
            row.event_id, row.status, row.occurred_at,
            taken_at % {"time": at(row.occurred_at, row.event_zone)}
            if row.status is DoseStatus.TAKEN else "", row.skip_reason, row.note)
        result.append((row.local_date, Dose(row.id, row.due_at,
                                            at(row.due_at, row.timezone, row.local_time),
                                            titles[version], row.name, event)))
    return result


def _unplanned_events(start: datetime, end: datetime) -> list[DoseEvent]:
    return db.session.scalars(_UNPLANNED_EVENTS, _span(start, end)).all()


def _side_effects(first: date, last: date) -> list[SideEffect]:
    return db.session.scalars(_SIDE_EFFECTS, _week(first, last)).all()


def _checkins(first: date, last: date) -> list[CheckIn]:
    return db.session.scalars(_CHECKINS, _week(first, last)).all()


def _regimen_changes(start: datetime, end: datetime) -> list[Regimen]:
    return db.session.scalars(_REGIMEN_CHANGES, _span(start, end)).all()


def _stopped(first: date, last: date) -> list[Medication]:
    return db.session.scalars(_STOPPED, _week(first, last)).all()


def timeline(first: date, last: date, now: datetime) -> list[Day]:
    """Days ``last`` back to ``first``, each with its check-in and its entries, newest first."""
    zone = ZoneInfo(current_user.timezone)
    start = schedule.start_of_local_day(first, current_user.timezone)
    end = schedule.start_of_local_day(last + timedelta(days=1), current_user.timezone)
    days = {first + timedelta(days=n): Day(first + timedelta(days=n))
            for n in range((last - first).days + 1)}

    def local_day(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    at = _times_of_day()
    for day, dose in _planned_doses(first, last, at):
        state = doses.state_of(dose, dose.event, now)
        if state != doses.State.UPCOMING:
            moment = dose.event.occurred_at if dose.event else dose.due_at
            days[day].entries.append(Entry(
                "dose", moment, dose, state,
                late=dose.event is not None and doses.taken_late(dose, dose.event)))
    # An event belongs to its day where it happened, which may be a day either side of
    # the same moment's day here: read a day more each side and keep those of the week.
    for event in _unplanned_events(start - timedelta(days=1), end + timedelta(days=1)):
        if event.local_date in days:
            days[event.local_date].entries.append(
                Entry("as_needed", event.occurred_at, event, "taken",
                      at=at(event.occurred_at, event.timezone)))
    for item in _side_effects(first, last):
        days[item.started_on].entries.append(Entry("side_effect", None, item))
    for regimen in _regimen_changes(start, end):
        days[local_day(regimen.valid_from)].entries.append(
            Entry("change", regimen.valid_from, regimen))
    for med in _stopped(first, last):
        days[med.ended_on].entries.append(Entry("stopped", None, med))
    answers = _checkin_answers()
    for item in _checkins(first, last):
        days[item.local_date].checkin = item
        days[item.local_date].answers = answers(item)
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
    recent_zones = db.session.scalars(_RECENT_ZONES, {"client_id": current_user.id,
                                                      "since": now - timedelta(days=1)})
    checkin_ahead = db.session.scalar(_CHECKIN_AHEAD, {"client_id": current_user.id,
                                                       "today": today})
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
                           skips=doses.skips_by_month(db.session, current_user, last),
                           earlier=first - timedelta(days=1),
                           newest=newest,
                           later=min(last + timedelta(days=DAYS_PER_PAGE), newest)
                           if last < newest else None)
