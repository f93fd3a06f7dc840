"""Turning regimens into planned doses, in the client's own time zone.

Each scheduled local time on each local day is one ``PlannedDose``, unique per regimen, day
and time, so a DST gap or repeat still gives exactly one dose (zoneinfo maps a skipped 02:30 to
the moment after the gap, and a repeated 01:30 to its first occurrence), and planning again is
harmless."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import DoseEvent, Medication, PlannedDose, Regimen, RegimenChange, User

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


def doses_for_regimen(regimen: Regimen, client: User, first: date, last: date) -> list[dict]:
    """The planned-dose rows of ``regimen`` for local days ``first``..``last``."""
    zone = ZoneInfo(client.timezone)
    rows = []
    for day in _days(first, last):
        if regimen.weekdays and day.weekday() not in regimen.weekdays:
            continue
        for at in parse_times(regimen.times):
            due = local_moment(day, at, zone)
            if due < regimen.valid_from or (regimen.valid_to and due >= regimen.valid_to):
                continue
            rows.append({"client_id": client.id, "medication_id": regimen.medication_id,
                         "regimen_id": regimen.id, "local_date": day, "local_time": at,
                         "timezone": client.timezone, "due_at": due})
    return rows


def _insert_missing(db: Session, rows: list[dict]) -> None:
    if not rows:
        return
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(PlannedDose).on_conflict_do_nothing(
        index_elements=["regimen_id", "local_date", "local_time"])
    for start in range(0, len(rows), 500):
        db.execute(statement, rows[start:start + 500])


def _schedulable_regimens(db: Session, client: User, through: date):
    return db.scalars(
        select(Regimen).join(Medication)
        .where(Medication.client_id == client.id, Regimen.as_needed.is_(False),
               Regimen.change != RegimenChange.PAUSE,
               or_(Regimen.planned_through.is_(None), Regimen.planned_through < through))
    ).all()


def plan_doses(db: Session, client: User, now: datetime, through: date | None = None) -> bool:
    """Make sure every scheduled intake exists as a planned dose up to ``through`` (local).
    True if anything had to be planned (a page that only reads commits only then)."""
    through = through or (now + PLAN_AHEAD).astimezone(ZoneInfo(client.timezone)).date()
    zone = ZoneInfo(client.timezone)
    regimens = _schedulable_regimens(db, client, through)
    for regimen in regimens:
        first = regimen.planned_through + timedelta(days=1) if regimen.planned_through \
            else regimen.valid_from.astimezone(zone).date()
        last = min(through, regimen.valid_to.astimezone(zone).date()) if regimen.valid_to \
            else through
        _insert_missing(db, doses_for_regimen(regimen, client, first, last))
        regimen.planned_through = max(last, regimen.planned_through or last)
    db.flush()
    return bool(regimens)


def drop_future_doses(db: Session, regimen_ids: list[int], after: datetime) -> None:
    """Remove planned doses due after ``after`` that nobody has logged yet."""
    if not regimen_ids:
        return
    logged = select(DoseEvent.planned_dose_id).where(DoseEvent.planned_dose_id.is_not(None))
    db.execute(delete(PlannedDose).where(PlannedDose.regimen_id.in_(regimen_ids),
                                         PlannedDose.due_at > after,
                                         PlannedDose.id.not_in(logged)))


def replan_for_new_timezone(db: Session, client: User, now: datetime) -> None:
    """After a move to another time zone, future doses follow the new local times."""
    regimen_ids = db.scalars(select(Regimen.id).join(Medication)
                             .where(Medication.client_id == client.id)).all()
    drop_future_doses(db, regimen_ids, now)
    yesterday = local_today(client, now) - timedelta(days=1)
    for regimen in db.scalars(select(Regimen).where(Regimen.id.in_(regimen_ids))):
        if regimen.planned_through and regimen.planned_through > yesterday:
            regimen.planned_through = yesterday
    plan_doses(db, client, now)
