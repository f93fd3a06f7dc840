"""What happened to planned doses, told apart in SQL: for reads that count doses by state
instead of loading each one (Insights over 90 days reads a few dozen counts, not ~700 doses).

``STATE`` and ``TAKEN_LATE`` are ``doses.state_of`` and ``doses.taken_late`` written as SQL,
made from the same constants (ON_TIME, MISSED_AFTER) and states. The rule itself lives in
tend/services/doses.py; tests/test_dose_counts.py checks on random doses, on SQLite and on
PostgreSQL, that these expressions say exactly what those functions say. A statement using
them reads planned doses outer-joined to their events and binds ``state_moments(now)``."""
from datetime import datetime, timedelta

from sqlalchemy import Boolean, and_, bindparam, case
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from models import DoseEvent, DoseStatus, PlannedDose
from tend.services.doses import MISSED_AFTER, ON_TIME, State

_ON_TIME_MICROSECONDS = ON_TIME // timedelta(microseconds=1)


def state_moments(now: datetime) -> dict:
    """The parameters ``STATE`` compares due times with. ``now < due_at + span`` is written
    ``due_at > now - span``: the column is compared, never computed on."""
    return {"state_now": now, "state_due_since": now - ON_TIME,
            "state_late_since": now - MISSED_AFTER}


# doses.state_of: a logged dose is taken or skipped; otherwise its due time tells.
STATE = case(
    (DoseEvent.status == DoseStatus.TAKEN, State.TAKEN),
    (DoseEvent.status.is_not(None), State.SKIPPED),
    (PlannedDose.due_at > bindparam("state_now"), State.UPCOMING),
    (PlannedDose.due_at > bindparam("state_due_since"), State.DUE),
    (PlannedDose.due_at > bindparam("state_late_since"), State.LATE),
    else_=State.MISSED)


class _MoreThanOnTimeAfter(FunctionElement):
    """``later > earlier + ON_TIME`` for two UTC moments, exact to the microsecond."""

    type = Boolean()
    inherit_cache = True
    name = "more_than_on_time_after"


@compiles(_MoreThanOnTimeAfter)  # PostgreSQL: timestamptz plus an interval is exact
def _more_than_on_time_after(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({later} > {earlier} + INTERVAL '{_ON_TIME_MICROSECONDS} microseconds')"


def _sqlite_microseconds(moment: str) -> str:
    """A UTC moment as SQLite keeps it ('YYYY-MM-DD HH:MM:SS.ffffff', models/base.py) in
    whole microseconds since 1970: integers, so no rounding at the boundary. ``unixepoch``
    (SQLite 3.38 or later) gives the whole seconds, its fraction dropped."""
    return f"(unixepoch({moment}) * 1000000 + CAST(substr({moment}, 21) AS INTEGER))"


@compiles(_MoreThanOnTimeAfter, "sqlite")
def _more_than_on_time_after_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return (f"({_sqlite_microseconds(later)} - {_sqlite_microseconds(earlier)}"
            f" > {_ON_TIME_MICROSECONDS})")


# doses.taken_late: taken, more than ON_TIME after its time (never NULL, so it groups).
TAKEN_LATE = case(
    (and_(DoseEvent.status == DoseStatus.TAKEN,
          _MoreThanOnTimeAfter(DoseEvent.occurred_at, PlannedDose.due_at)), True),
    else_=False)
