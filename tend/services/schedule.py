"""Turning regimens into planned doses, in the client's own time zone.

A slot is a medication's scheduled local time on a local day, whichever regimen version it
falls under. Each slot is one ``PlannedDose``: a DST gap or repeat still gives exactly one
dose (zoneinfo maps a skipped 02:30 to the moment after the gap, and a repeated 01:30 to its
first occurrence), planning again is harmless, and a new version (pause, resume, a change of
dose) never plans a slot that exists or was logged, in any zone.

A move to another zone, following local time (``replan_for_new_timezone``), re-plans from the
moment of change and never touches the past (logged doses, doses whose time has come):

1. A slot whose new-zone time is still ahead is planned at that time, replacing its dose at
   the old zone's time if that was not logged.
2. A slot whose new-zone time has already passed is never created; its dose at the old
   zone's time stays if it is still ahead and comes before the first dose at the new zone's
   times (going east, the morning dose the jump skipped over), else it goes.
3. A dose at the new zone's times is not planned less than half the schedule's shortest
   spacing (half a day for a daily dose) after a dose that was logged or whose time had come
   (going west, the day lived twice gets its dose again only when that is a real next dose,
   never a second copy an hour after the first; going east, an evening dose is not planned
   a few hours after the morning one was taken).

So every dose ahead is planned once, none is created past due, and no gap between doses is
longer than the schedule's longest spacing plus the shift in time.

Schedule kinds (``Regimen.schedule_kind``) decide which local days have doses and at which
local times; all are wall-clock times in the client's zone, so a DST day keeps them:

- fixed: ``times`` on ``weekdays`` (every day when empty), with ``weekday_amounts``
  giving another amount on some weekdays;
- every_hours: from a first time every ``interval_hours`` hours up to ``last_time``, the same
  times each day (``every_hours_times`` writes them into ``times`` when the version is made);
- every_days: ``times`` every ``interval_days`` days, counted from ``anchor_on``;
- cycle: ``times`` on ``cycle_on_days`` days, then none for ``cycle_off_days`` days, repeating
  from ``anchor_on``.
"""
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import (bindparam, delete, false, func, null, or_, select, true, union_all,
                        update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from models import (DoseEvent, DoseStatus, Medication, MedicationStatus, PlannedDose, Regimen,
                    RegimenChange, User)
from models.base import column_rows

PLAN_AHEAD = timedelta(days=2)


def local_today(client: User, now: datetime) -> date:
    return now.astimezone(ZoneInfo(client.timezone)).date()


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local wall-clock time (fold=0: the first of a repeated time)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def start_of_local_day(day: date, zone_name: str) -> datetime:
    return local_moment(day, time(0, 0), ZoneInfo(zone_name))


def parse_times(times: list[str]) -> list[time]:
    return [time.fromisoformat(value) for value in times]


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def every_hours_times(first: str, last: str, hours: int) -> list[str]:
    """The times of day of "every ``hours`` hours from ``first`` to ``last``" ("HH:MM"), the
    first always, none past ``last`` nor past midnight."""
    start = time.fromisoformat(first)
    end = time.fromisoformat(last) if last else start
    minutes = start.hour * 60 + start.minute
    until = max(minutes, end.hour * 60 + end.minute)
    result = []
    while minutes <= until:
        result.append(f"{minutes // 60:02d}:{minutes % 60:02d}")
        minutes += hours * 60
    return result


def is_dose_day(regimen: Regimen, day: date) -> bool:
    """Whether the local day ``day`` has doses under ``regimen``'s schedule kind."""
    kind = regimen.schedule_kind or "fixed"
    if kind in ("every_days", "cycle"):
        anchor = regimen.anchor_on or day
        if day < anchor:
            return False
        since = (day - anchor).days
        if kind == "every_days":
            return since % (regimen.interval_days or 1) == 0
        on, off = regimen.cycle_on_days or 1, regimen.cycle_off_days or 0
        return since % (on + off) < on
    return not regimen.weekdays or day.weekday() in regimen.weekdays


def amount_on(regimen: Regimen, day: date) -> Decimal:
    """The amount per intake on the local day ``day`` (another on some weekdays)."""
    other = (regimen.weekday_amounts or {}).get(str(day.weekday()))
    return Decimal(other) if other is not None else regimen.amount


def in_force_at(regimen: Regimen, moment: datetime) -> bool:
    """A version is in force from its ``valid_from`` (inclusive) to its ``valid_to``
    (exclusive, open when None); one that ends where it begins never is."""
    return regimen.valid_from <= moment and (regimen.valid_to is None
                                             or moment < regimen.valid_to)


def doses_for_regimen(regimen: Regimen, client: User, first: date, last: date) -> list[dict]:
    """The planned-dose rows of ``regimen`` for local days ``first``..``last``."""
    zone = ZoneInfo(client.timezone)
    rows = []
    for day in _days(first, last):
        if not is_dose_day(regimen, day):
            continue
        for at in parse_times(regimen.times):
            due = local_moment(day, at, zone)
            if not in_force_at(regimen, due):
                continue
            rows.append({"client_id": client.id, "medication_id": regimen.medication_id,
                         "regimen_id": regimen.id, "local_date": day, "local_time": at,
                         "timezone": client.timezone, "due_at": due})
    return rows


SLOT_KEY = ["medication_id", "local_date", "local_time", "timezone"]


def _insert(db: Session, rows: list[dict]) -> None:
    if not rows:
        return
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(PlannedDose).on_conflict_do_nothing(index_elements=SLOT_KEY)
    for start in range(0, len(rows), 500):
        db.execute(statement, rows[start:start + 500])


def _other_zone_doses(db: Session, rows: list[dict]) -> list[PlannedDose]:
    """The doses of the medications among ``rows`` planned at another zone's times around
    their days (left by a move: logged, past, or kept ahead by rule 2)."""
    days = [row["local_date"] for row in rows]
    return db.scalars(
        select(PlannedDose)
        .where(PlannedDose.medication_id.in_({row["medication_id"] for row in rows}),
               PlannedDose.timezone.not_in({row["timezone"] for row in rows}),
               PlannedDose.local_date.between(min(days) - timedelta(days=1),
                                              max(days) + timedelta(days=1)))
        .options(joinedload(PlannedDose.event))).all()


def _taken_by_another_zone(row: dict, others: list[PlannedDose], too_soon: timedelta,
                           now: datetime) -> bool:
    """Whether a dose at another zone's time stands for ``row``: the same slot still ahead
    (rule 2), or a dose logged or whose time came less than ``too_soon`` from it (rule 3)."""
    for dose in others:
        if dose.medication_id != row["medication_id"]:
            continue
        came = dose.event is not None or dose.due_at <= now
        if not came and (dose.local_date, dose.local_time) == (row["local_date"],
                                                                row["local_time"]):
            return True
        if came and abs(row["due_at"] - _came_at(dose)) < too_soon:
            return True
    return False


def _insert_missing(db: Session, rows: list[dict], now: datetime) -> None:
    """Plan the slots among ``rows`` that have no dose yet, in whichever version. After a
    move, later planning (a resume, a change of dose) keeps to the move's rules: a slot
    another zone's dose stands for is not planned again, and a day lived twice going west
    gets its dose again only half a spacing or more after the last one."""
    if not rows:
        return
    others = _other_zone_doses(db, rows)
    spacing = {}
    for row in rows:
        if row["regimen_id"] not in spacing:
            spacing[row["regimen_id"]] = shortest_spacing(
                db.get(Regimen, row["regimen_id"]).times) / 2
    _insert(db, [row for row in rows if not _taken_by_another_zone(
        row, others, spacing[row["regimen_id"]], now)])


# Every page that shows doses plans first, so these two reads are built once (building a
# statement and its cache key for each request costs about as much as sending it).
_SCHEDULABLE = select(Regimen).join(Medication).where(
    Medication.client_id == bindparam("client_id"), Regimen.as_needed.is_(False),
    Regimen.change != RegimenChange.PAUSE)
_SCHEDULABLE_NOT_PLANNED_THROUGH = _SCHEDULABLE.where(or_(
    Regimen.planned_through.is_(None), Regimen.planned_through < bindparam("through")))
_STOPS_THAT_CAME = select(Medication.id).where(
    Medication.client_id == bindparam("client_id"), Medication.ended_on < bindparam("today"),
    Medication.status != MedicationStatus.STOPPED)
# Most visits find everything planned: one read of plain values says so (``_anything_to_plan``)
# instead of the two reads above, with the ORM's steps for each. It lists the versions not
# planned through the day asked for (most have ended: nothing left to plan) and, as rows
# without a version, the stops whose day came.
_WHAT_MAY_BE_LEFT_TO_PLAN = union_all(
    _SCHEDULABLE_NOT_PLANNED_THROUGH.with_only_columns(
        false().label("stop_came"), Regimen.planned_through, Regimen.valid_from,
        Regimen.valid_to),
    _STOPS_THAT_CAME.with_only_columns(true(), null(), null(), null()))


def _schedulable_regimens(db: Session, client: User, through: date | None = None,
                          meds: list[Medication] | None = None):
    if meds is not None:  # the same versions, from the medications the page has read
        return sorted((regimen for med in meds for regimen in med.regimens
                       if not regimen.as_needed and regimen.change != RegimenChange.PAUSE
                       and (regimen.planned_through is None
                            or regimen.planned_through < through)),
                      key=lambda regimen: regimen.id)
    if through is None:
        return db.scalars(_SCHEDULABLE, {"client_id": client.id}).all()
    return db.scalars(_SCHEDULABLE_NOT_PLANNED_THROUGH,
                      {"client_id": client.id, "through": through}).all()


def plan_doses(db: Session, client: User, now: datetime, through: date | None = None,
               meds: list[Medication] | None = None) -> bool:
    """Make sure every scheduled intake exists as a planned dose up to ``through`` (local).
    True if anything had to be planned (a page that only reads commits only then): a version
    that ended has nothing left to plan, however often it is looked at. ``meds``,
    every medication of the client with its versions (``medications.medications_of``), saves
    the two reads of what to plan on a page that has them anyway."""
    zone = ZoneInfo(client.timezone)
    through = through or (now + PLAN_AHEAD).astimezone(zone).date()
    if meds is None and not _anything_to_plan(db, client, now, through):
        return False
    stopped = mark_stops_that_came(db, client, now, meds)
    planned = False
    for regimen in _schedulable_regimens(db, client, through, meds):
        first, last = _days_to_plan(regimen, zone, through)
        rows = doses_for_regimen(regimen, client, first, last)
        _insert_missing(db, rows, now)
        planned_through = max(last, regimen.planned_through or last)
        planned = planned or bool(rows) or planned_through != regimen.planned_through
        regimen.planned_through = planned_through
    db.flush()
    return planned or stopped


def _days_to_plan(version, zone: ZoneInfo, through: date) -> tuple[date, date]:
    """The local days ``plan_doses`` plans a version for, up to ``through``: from the day after
    the one it is planned through (else its first day) to ``through`` or its last day. None
    left when the first comes after the last (a version that ended)."""
    first = version.planned_through + timedelta(days=1) if version.planned_through \
        else version.valid_from.astimezone(zone).date()
    last = min(through, version.valid_to.astimezone(zone).date()) if version.valid_to \
        else through
    return first, last


def _anything_to_plan(db: Session, client: User, now: datetime, through: date) -> bool:
    """Whether ``plan_doses`` would change anything: a stop whose day came, or a version with
    days to plan or not yet marked planned."""
    zone = ZoneInfo(client.timezone)
    rows = column_rows(db, _WHAT_MAY_BE_LEFT_TO_PLAN, {
        "client_id": client.id, "through": through, "today": local_today(client, now)})
    return any(row.stop_came or row.planned_through is None
               or _days_to_plan(row, zone, through)[1] > row.planned_through for row in rows)


def mark_stops_that_came(db: Session, client: User, now: datetime,
                         meds: list[Medication] | None = None) -> bool:
    """Mark stopped the medications whose last day (a stop dated ahead) has passed; True if
    any was. Until then they stay active, with their doses and reminders."""
    today = local_today(client, now)
    if meds is not None:
        came = [med.id for med in meds if med.ended_on is not None and med.ended_on < today
                and med.status != MedicationStatus.STOPPED]
    else:
        came = db.scalars(_STOPS_THAT_CAME, {"client_id": client.id, "today": today}).all()
    if came:  # a page that only reads writes nothing (SQLite: no write lock taken)
        db.execute(update(Medication).where(Medication.id.in_(came))
                   .values(status=MedicationStatus.STOPPED))
    return bool(came)


def drop_future_doses(db: Session, regimen_ids: list[int], since: datetime) -> None:
    """Remove the planned doses of these versions due at or after ``since`` that nobody has
    logged (their reminders go with them)."""
    if not regimen_ids:
        return
    logged = select(DoseEvent.planned_dose_id).where(DoseEvent.planned_dose_id.is_not(None))
    db.execute(delete(PlannedDose).where(PlannedDose.regimen_id.in_(regimen_ids),
                                         PlannedDose.due_at >= since,
                                         PlannedDose.id.not_in(logged)))


def has_planned_doses(db: Session, regimen: Regimen) -> bool:
    return db.scalar(select(PlannedDose.id).where(PlannedDose.regimen_id == regimen.id)
                     .limit(1)) is not None


def still_wanted(db: Session, client: User, dose: PlannedDose, now: datetime) -> bool:
    """Whether a planned dose nobody has logged belongs on the schedule: whether planning
    would have kept it had it never been logged. Asked when a log is undone.

    It is not wanted once its version ended before the dose's time (a stop, a change of dose
    or times, a pause decided after it was logged), nor when a move to another zone replaced
    it: its slot is planned at the client's zone's times, or, still ahead, it fails rule 2 of
    this module's docstring."""
    if dose.regimen.is_paused or not in_force_at(dose.regimen, dose.due_at):
        return False
    if dose.timezone == client.timezone:
        return True
    here = select(PlannedDose.id).where(PlannedDose.medication_id == dose.medication_id,
                                        PlannedDose.timezone == client.timezone)
    if db.scalar(here.where(PlannedDose.local_date == dose.local_date,
                            PlannedDose.local_time == dose.local_time)) is not None:
        return False
    if dose.due_at <= now:
        return True  # the past keeps its zone
    first_here = db.scalar(here.with_only_columns(func.min(PlannedDose.due_at))
                           .where(PlannedDose.due_at > now))
    return _kept_at_old_zone_time(dose, client, first_here, now)


def unlogged(db: Session, client: User, dose: PlannedDose, now: datetime) -> None:
    """After a dose's log was undone: the planned dose stays if it is still wanted. If not, it
    goes (its reminders with it), and its slot is planned again under whichever version is
    in force at that time in the client's zone, if that version has the slot (a dose taken
    ahead of a change of dose comes back at the new dose); at another zone's time, only if
    that is still ahead."""
    if still_wanted(db, client, dose, now):
        return
    db.delete(dose)
    db.flush()
    rows = [row for regimen in _schedulable_regimens(db, client)
            if regimen.medication_id == dose.medication_id
            for row in doses_for_regimen(regimen, client, dose.local_date, dose.local_date)
            if row["local_time"] == dose.local_time]
    if dose.timezone != client.timezone:
        rows = [row for row in rows if row["due_at"] > now]
    _insert_missing(db, rows, now)


def shortest_spacing(times: list[str]) -> timedelta:
    """The shortest time between two consecutive doses of a daily schedule of ``times``."""
    minutes = sorted(t.hour * 60 + t.minute for t in parse_times(times))
    gaps = [b - a for a, b in zip(minutes, minutes[1:])] + [minutes[0] + 1440 - minutes[-1]]
    return timedelta(minutes=min(gaps))


def _came_at(dose: PlannedDose) -> datetime:
    """When a dose whose time has come (or that was logged early) was taken, or was due."""
    taken = dose.event is not None and dose.event.status is DoseStatus.TAKEN
    return dose.event.occurred_at if taken else dose.due_at


def replan_for_new_timezone(db: Session, client: User, now: datetime) -> None:
    """After a move to ``client.timezone`` (following local time), re-plan the doses ahead by
    the rules in this module's docstring. The caller re-plans reminders."""
    zone = ZoneInfo(client.timezone)
    today = local_today(client, now)
    through = (now + PLAN_AHEAD).astimezone(zone).date()
    recent = db.scalars(
        select(PlannedDose).where(PlannedDose.client_id == client.id,
                                  PlannedDose.due_at > now - timedelta(days=2))
        .options(joinedload(PlannedDose.event)).order_by(PlannedDose.due_at)).all()
    regimens_by_med: dict[int, list[Regimen]] = {}
    for regimen in _schedulable_regimens(db, client):
        if regimen.valid_to is None or regimen.valid_to > now:
            regimens_by_med.setdefault(regimen.medication_id, []).append(regimen)
        regimen.planned_through = through  # later days: plan_doses, in the new zone
    for med_id in {dose.medication_id for dose in recent} | set(regimens_by_med):
        _replan_medication(db, [d for d in recent if d.medication_id == med_id],
                           regimens_by_med.get(med_id, []), client, now, today, through)
    db.flush()


def _replan_medication(db: Session, recent: list[PlannedDose], regimens: list[Regimen],
                       client: User, now: datetime, today: date, through: date) -> None:
    came = [_came_at(d) for d in recent if d.event is not None or d.due_at <= now]
    last_came = max(came, default=None)
    ahead = [d for d in recent if d.event is None and d.due_at > now]
    here = {(d.local_date, d.local_time) for d in ahead if d.timezone == client.timezone}
    rows = []
    for regimen in regimens:
        too_soon = shortest_spacing(regimen.times) / 2
        rows += [row for row in doses_for_regimen(regimen, client, today, through)
                 if row["due_at"] > now and (row["local_date"], row["local_time"]) not in here
                 and (last_came is None or row["due_at"] - last_came >= too_soon)]
    first_here = min([row["due_at"] for row in rows]
                     + [d.due_at for d in ahead if d.timezone == client.timezone], default=None)
    for dose in ahead:
        if dose.timezone != client.timezone and \
                not _kept_at_old_zone_time(dose, client, first_here, now):
            db.delete(dose)
    db.flush()
    _insert(db, rows)


def _kept_at_old_zone_time(dose: PlannedDose, client: User, first_here: datetime | None,
                           now: datetime) -> bool:
    """Rule 2: a dose ahead at another zone's time stays only if its slot's time in the
    client's zone has passed and it comes before the first dose at the client's zone's
    times (``first_here``)."""
    passed_here = local_moment(dose.local_date, dose.local_time,
                               ZoneInfo(client.timezone)) <= now
    return passed_here and (first_here is None or dose.due_at < first_here)
