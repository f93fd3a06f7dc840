"""A supporter's list of clients, and for a therapist who may need attention first.

Every figure comes only from a category the client shares, and only from the days its grant
covers: each query joins a table of one row per client holding that client's own bounds (their
grant's window, narrowed to the period the figure is about, in their local days), worked out
here in Python and sent as one JSON parameter (``_Bounds``). A client who does not share
the category has no row, or NULL bounds that no entry meets. The statements are the same text
however many clients or distinct windows there are, so SQLAlchemy compiles each once; the whole
list takes the same few grouped queries; nothing here queries once per client (a caregiver's
"Today" line aside).

Flags are pointers, not judgements: each names what is there and links to it on the client
page. How they are computed is said on the caseload page too (``templates/care/home.html``)."""
import enum
import json
from functools import cache
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import (Date, Integer, Text, and_, bindparam, case, cast, column, func, or_,
                        select, type_coerce)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from models import (Category, CheckIn, DoseEvent, DoseStatus, Medication, Regimen, Role,
                    Severity, SideEffect, SkipReason, UTCDateTime)
from models.decisions import Checkpoint, Experiment, Verdict
from models.journal import CHECKIN_CATEGORIES, checkin_fields_of
from tend import access as access_rules
from tend.access import Access, Window, local_today
from tend.services import red_flags, schedule, shared_record

RECENT_DAYS = 7         # "new" side effects, skips, the recent average, as-needed use
BASELINE_DAYS = 28      # the client's own usual: the 4 weeks before the recent 7 days
BELOW_BY = 1.0          # points on the 1 to 5 scale that count as clearly below
MIN_RECENT_DAYS = 3     # check-ins needed in the recent 7 days ...
MIN_BASELINE_DAYS = 7   # ... and in the 4 weeks before, to compare at all
QUIET_DAYS = 7          # no entries in a shared category for this long
CHECKPOINT_DAYS = 28    # checkpoints answered within this many days
AS_NEEDED_RISE = 3      # intakes more than in the 7 days before counts as rising
CHANGE_AHEAD_DAYS = 14  # medication changes scheduled within this many days
# The scales compared with the client's usual, and the check-in answers each is made of.
BASELINE_CATEGORIES = (Category.MOOD, Category.ENERGY, Category.FUNCTIONING)
# Where a quiet category would have its entries (side effects are noted only when there are
# some, so a week without them says nothing).
QUIET_CATEGORIES = (Category.DOSE_LOG, *CHECKIN_CATEGORIES)


class FlagKind(str, enum.Enum):
    RED_FLAG = "red_flag"
    SIDE_EFFECT = "side_effect"
    SKIPPED_FOR_SIDE_EFFECTS = "skipped_for_side_effects"
    BELOW_USUAL = "below_usual"
    CHECKPOINT = "checkpoint"
    QUIET = "quiet"
    AS_NEEDED_ABOVE_LIMIT = "as_needed_above_limit"
    AS_NEEDED_RISING = "as_needed_rising"
    CHANGE_AHEAD = "change_ahead"


@dataclass(frozen=True)
class Flag:
    """One pointer: what kind, the shared category its evidence is in, and what it is about
    (a symptom, a medication, a category or an experiment), with a count or a day."""

    kind: FlagKind
    category: Category
    subject: str = ""
    count: int = 0
    day: date | None = None
    severity: Severity | None = None
    limit: int = 0


@dataclass
class Row:
    access: Access
    last_shared: date | None = None
    flags: list[Flag] = field(default_factory=list)
    today_doses: list | None = None  # a caregiver's line about today

    @property
    def client(self):
        return self.access.client

    @property
    def urgent(self) -> list[Flag]:
        return [flag for flag in self.flags if flag.kind is FlagKind.RED_FLAG]


def caseload(db: Session, viewer, now: datetime) -> list[Row]:
    """The viewer's clients who share anything; a therapist's sorted by flags (those that
    can need urgent help first), then by the last shared activity, most recent first."""
    accesses = [access for access in access_rules.supporters_accesses(viewer, now)
                if access.data_categories or access.has(Category.MANAGE_REMINDERS)]
    rows = {access.client.id: Row(access) for access in accesses}
    if not rows:
        return []
    _last_shared(db, accesses, rows, now)
    if viewer.role is Role.THERAPIST:
        _flag_side_effects(db, accesses, rows, now)
        _flag_doses(db, accesses, rows, now)
        _flag_below_usual(db, accesses, rows, now)
        _flag_checkpoints(db, accesses, rows, now)
        _flag_as_needed(db, accesses, rows, now)
        _flag_changes_ahead(db, accesses, rows, now)
        kinds = list(FlagKind)  # in the order a row lists them: urgent help first
        for row in rows.values():
            row.flags.sort(key=lambda flag: kinds.index(flag.kind))
        return sorted(rows.values(), key=_attention_order)
    for row in rows.values():
        if row.access.has(Category.MEDICATIONS):
            row.today_doses = shared_record.today_doses(db, row.access, now)
    return list(rows.values())


def _attention_order(row: Row):
    last = row.last_shared.toordinal() if row.last_shared else 0
    return (not row.urgent, -len(row.flags), -last, row.client.display_name.lower())


# --- Each client's own bounds, in one parameter ----------------------------------------------

DAY, MOMENT = Date(), UTCDateTime()
# An open end of a window: earlier or later than any entry (NULL would mean "not shared").
OPEN_START = {DAY: date.min, MOMENT: datetime.min.replace(tzinfo=timezone.utc)}
OPEN_END = {DAY: date.max, MOMENT: datetime.max.replace(tzinfo=timezone.utc)}


@dataclass(frozen=True)
class _Bounds:
    """A table with one row per client: ``client_id`` and, for each name in ``days``, the
    dates ``<name>_first`` and ``<name>_last``; for each in ``moments``, the UTC moments
    ``<name>_first`` and ``<name>_end`` (not included). A bound given as None is an open end;
    one left out is NULL, which no comparison meets. The rows reach the database as one JSON
    parameter, encoded as the columns they are compared with are stored, so a statement
    reading them is the same text whatever the clients and their windows, and is built once
    (PostgreSQL: ``jsonb_to_recordset``; SQLite: ``json_each``)."""

    name: str
    days: tuple[str, ...] = ()
    moments: tuple[str, ...] = ()

    @property
    def columns(self) -> dict:
        return {**{f"{name}_{end}": DAY for name in self.days for end in ("first", "last")},
                **{f"{name}_{end}": MOMENT for name in self.moments for end in ("first", "end")}}

    def table(self, dialect: str):
        parameter = bindparam(self.name, type_=Text())
        if dialect == "postgresql":
            return func.jsonb_to_recordset(cast(parameter, JSONB)).table_valued(
                column("client_id", Integer),
                *(column(key, type_) for key, type_ in self.columns.items())
            ).render_derived(name=self.name, with_types=True)
        each = func.json_each(parameter).table_valued("value")
        return select(
            func.json_extract(each.c.value, "$.client_id").label("client_id"),
            *(type_coerce(func.json_extract(each.c.value, f"$.{key}"), type_).label(key)
              for key, type_ in self.columns.items())
        ).cte(self.name).prefix_with("MATERIALIZED")

    def values(self, db: Session, bounds: dict[int, dict]) -> dict[str, str]:
        """The parameter for ``bounds`` (client id: bound name: date or moment)."""
        dialect = db.get_bind().dialect
        columns = self.columns
        encoders = {type_: type_.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
                    for type_ in (DAY, MOMENT)}
        encoded: dict = {}  # clients mostly share their bounds' values: encode each once

        def encode(key, value):
            type_ = columns[key]
            if value is None:
                value = (OPEN_START if key.endswith("_first") else OPEN_END)[type_]
            if (type_, value) not in encoded:
                stored = encoders[type_](value)
                encoded[type_, value] = stored if isinstance(stored, str) else stored.isoformat()
            return encoded[type_, value]

        return {self.name: json.dumps([
            {"client_id": client_id, **{key: encode(key, value) for key, value in row.items()}}
            for client_id, row in bounds.items()])}


def _dialect(db: Session) -> str:
    return db.get_bind().dialect.name


def _within_days(column_, table, prefix: str):
    """SQL: a date column from the table's ``<prefix>_first`` to its ``<prefix>_last`` day."""
    return and_(column_ >= table.c[f"{prefix}_first"], column_ <= table.c[f"{prefix}_last"])


def _within_moments(column_, table, prefix: str):
    """SQL: a UTC moment column from ``<prefix>_first`` up to (not including) ``<prefix>_end``."""
    return and_(column_ >= table.c[f"{prefix}_first"], column_ < table.c[f"{prefix}_end"])


def _latest(column_, client_column, table, *conditions):
    """SQL, for each row of ``table``: the latest ``column_`` of that client meeting
    ``conditions``, or NULL (read backwards along the (client, time) index: one step when
    the latest entry meets them, not a pass over the whole record)."""
    return (select(column_).where(client_column == table.c.client_id, *conditions)
            .order_by(column_.desc()).limit(1).correlate(table).scalar_subquery())


def _days_of(prefix: str, first: date | None, last: date | None) -> dict:
    return {f"{prefix}_first": first, f"{prefix}_last": last}


def _moments_of(prefix: str, window: Window, not_before: datetime | None = None) -> dict:
    """The window's moments, starting no earlier than ``not_before``."""
    first = window.first_moment
    if not_before is not None:
        first = not_before if first is None else max(first, not_before)
    return {f"{prefix}_first": first, f"{prefix}_end": window.end_moment}


def _sharing(accesses: list[Access], category: Category | None = None, shared_as=None):
    """The clients sharing ``category`` (or the grant ``shared_as(access)`` names), each with
    that grant's window."""
    for access in accesses:
        grant = shared_as(access) if shared_as else category
        if grant is not None and access.has(grant):
            yield access, access.window(grant)


def _today(access: Access, now: datetime) -> date:
    return local_today(access.client, now)


def _day_start(access: Access, day: date) -> datetime:
    return schedule.start_of_local_day(day, access.client.timezone)


def _local_day(access: Access, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(access.client.timezone)).date()


def _dose_category(access: Access) -> Category | None:
    """Logged doses are shared by the dose log, or as "which doses are logged" by the
    medications grant."""
    for category in (Category.DOSE_LOG, Category.MEDICATIONS):
        if access.has(category):
            return category
    return None


# --- Last shared activity and quiet categories -------------------------------------------------

def _answered(category: Category):
    """SQL: the check-in holds an answer of ``category``."""
    if category is Category.NOTES:
        return CheckIn.note != ""
    return or_(*(getattr(CheckIn, name).isnot(None) for name in checkin_fields_of(category)))


CHECKIN_WINDOWS = _Bounds("checkin_windows",
                          days=tuple(category.value for category in CHECKIN_CATEGORIES))
DOSE_WINDOWS = _Bounds("dose_windows", moments=("doses",))
SIDE_EFFECT_WINDOWS = _Bounds("side_effect_windows", days=("side_effects",))


@cache
def _last_checkin_days(dialect: str):
    shared = CHECKIN_WINDOWS.table(dialect)
    return select(shared.c.client_id, *(
        _latest(CheckIn.local_date, CheckIn.client_id, shared, _answered(category),
                _within_days(CheckIn.local_date, shared, category.value))
        for category in CHECKIN_CATEGORIES))


@cache
def _last_dose(dialect: str):
    shared = DOSE_WINDOWS.table(dialect)
    return select(shared.c.client_id, _latest(
        DoseEvent.occurred_at, DoseEvent.client_id, shared,
        _within_moments(DoseEvent.occurred_at, shared, "doses")))


@cache
def _last_side_effect(dialect: str):
    shared = SIDE_EFFECT_WINDOWS.table(dialect)
    return select(shared.c.client_id, _latest(
        SideEffect.started_on, SideEffect.client_id, shared,
        _within_days(SideEffect.started_on, shared, "side_effects")))


def _last_shared(db: Session, accesses: list[Access], rows: dict[int, Row],
                 now: datetime) -> None:
    """The last day with an entry in each shared category (one query for check-ins, one for
    doses, one for side effects); a category shared for a week with none since is quiet."""
    by_category: dict[int, dict[Category, date]] = defaultdict(dict)
    bounds: dict[int, dict] = defaultdict(dict)
    for category in CHECKIN_CATEGORIES:
        for access, window in _sharing(accesses, category):
            bounds[access.client.id] |= _days_of(category.value, window.start, window.end)
    for client_id, *days in db.execute(_last_checkin_days(_dialect(db)),
                                       CHECKIN_WINDOWS.values(db, bounds)):
        for category, day in zip(CHECKIN_CATEGORIES, days):
            if day is not None:
                by_category[client_id][category] = day
    for client_id, moment in db.execute(_last_dose(_dialect(db)), DOSE_WINDOWS.values(db, {
            access.client.id: _moments_of("doses", window)
            for access, window in _sharing(accesses, shared_as=_dose_category)})):
        if moment is not None:
            by_category[client_id][Category.DOSE_LOG] = _local_day(rows[client_id].access,
                                                                   moment)
    for client_id, day in db.execute(_last_side_effect(_dialect(db)),
                                     SIDE_EFFECT_WINDOWS.values(db, {
            access.client.id: _days_of("side_effects", window.start, window.end)
            for access, window in _sharing(accesses, Category.SIDE_EFFECTS)})):
        if day is not None:
            by_category[client_id][Category.SIDE_EFFECTS] = day
    for client_id, days in by_category.items():
        row = rows[client_id]
        row.last_shared = min(max(days.values()), _today(row.access, now))
        if row.access.link.role is Role.THERAPIST:
            row.flags.extend(_quiet(row.access, days, now))


def _quiet(access: Access, last_days: dict[Category, date], now: datetime) -> list[Flag]:
    today = _today(access, now)
    flags = []
    for category in QUIET_CATEGORIES:
        shared_as = _dose_category(access) if category is Category.DOSE_LOG else category
        last = last_days.get(category)
        if shared_as is None or not access.has(shared_as) or last is None:
            continue
        window = access.window(shared_as)
        if window.covers(today) and (today - last).days >= QUIET_DAYS:
            flags.append(Flag(FlagKind.QUIET, shared_as, day=last))
    return flags


# --- Side effects, and skips because of them ---------------------------------------------------

RECENT_SIDE_EFFECTS = _Bounds("recent_side_effects", days=("recent",))
RECENT_SKIPS = _Bounds("recent_skips", moments=("recent",))


@cache
def _recent_side_effects(dialect: str):
    shared = RECENT_SIDE_EFFECTS.table(dialect)
    return (select(SideEffect.client_id, SideEffect.symptom, SideEffect.severity,
                   SideEffect.started_on)
            .join(shared, shared.c.client_id == SideEffect.client_id)
            .where(_within_days(SideEffect.started_on, shared, "recent"))
            .order_by(SideEffect.started_on.desc(), SideEffect.id.desc()))


@cache
def _recent_skips(dialect: str):
    shared = RECENT_SKIPS.table(dialect)
    return (select(DoseEvent.client_id, func.count())
            .join(shared, shared.c.client_id == DoseEvent.client_id)
            .where(DoseEvent.status == DoseStatus.SKIPPED,
                   DoseEvent.skip_reason == SkipReason.SIDE_EFFECTS,
                   _within_moments(DoseEvent.occurred_at, shared, "recent"))
            .group_by(DoseEvent.client_id))


def _flag_side_effects(db: Session, accesses, rows, now) -> None:
    """Side effects that began in the last 7 days: any red flag (at any severity), and the
    moderate or severe ones."""
    def last_week(access, window):
        today = _today(access, now)
        return _days_of("recent", *window.clip(today - timedelta(RECENT_DAYS - 1), today))

    recent = db.execute(_recent_side_effects(_dialect(db)), RECENT_SIDE_EFFECTS.values(db, {
        access.client.id: last_week(access, window)
        for access, window in _sharing(accesses, Category.SIDE_EFFECTS)}))
    is_red_flag: dict[str, bool] = {}  # the same symptom is often noted by many clients
    for client_id, symptom, severity, started_on in recent:
        if symptom not in is_red_flag:
            is_red_flag[symptom] = red_flags.is_red_flag(symptom)
        if is_red_flag[symptom]:
            kind = FlagKind.RED_FLAG
        elif severity in (Severity.MODERATE, Severity.SEVERE):
            kind = FlagKind.SIDE_EFFECT
        else:
            continue
        rows[client_id].flags.append(Flag(kind, Category.SIDE_EFFECTS, symptom,
                                          day=started_on, severity=severity))


def _flag_doses(db: Session, accesses, rows, now) -> None:
    """Doses skipped in the last 7 days with "because of side effects" as the reason: the
    reason is in the dose log, so only that grant shows it."""
    def last_week(access, window):
        first = _today(access, now) - timedelta(RECENT_DAYS - 1)
        return _moments_of("recent", window, _day_start(access, first))

    for client_id, count in db.execute(_recent_skips(_dialect(db)), RECENT_SKIPS.values(db, {
            access.client.id: last_week(access, window)
            for access, window in _sharing(accesses, Category.DOSE_LOG)})):
        rows[client_id].flags.append(Flag(FlagKind.SKIPPED_FOR_SIDE_EFFECTS, Category.DOSE_LOG,
                                          count=count))


# --- Below the client's own usual ----------------------------------------------------------------

def _day_score(category: Category):
    """SQL: one day's value of a scale: the answer itself, or for everyday life the average
    of the answers given (work, relationships, looking after yourself)."""
    names = checkin_fields_of(category)
    if len(names) == 1:
        return getattr(CheckIn, names[0]) * 1.0
    total = sum(func.coalesce(getattr(CheckIn, name), 0) for name in names)
    answered = sum(case((getattr(CheckIn, name).isnot(None), 1), else_=0) for name in names)
    return total * 1.0 / func.nullif(answered, 0)


def _periods(access: Access, now: datetime) -> tuple[tuple[date, date], tuple[date, date]]:
    today = _today(access, now)
    recent_first = today - timedelta(RECENT_DAYS - 1)
    return ((recent_first, today),
            (recent_first - timedelta(BASELINE_DAYS), recent_first - timedelta(1)))


USUAL_PERIODS = [(category, which) for category in BASELINE_CATEGORIES
                 for which in ("recent", "usual")]
USUAL_WINDOWS = _Bounds("usual_windows", days=tuple(
    f"{category.value}_{which}" for category, which in USUAL_PERIODS))


@cache
def _recent_and_usual(dialect: str):
    """Per client and scale: the average and the number of days of the recent period, then
    of the usual one."""
    shared = USUAL_WINDOWS.table(dialect)
    columns = []
    for category, which in USUAL_PERIODS:
        value = case((_within_days(CheckIn.local_date, shared, f"{category.value}_{which}"),
                      _day_score(category)))
        columns += [func.avg(value), func.count(value)]
    return (select(CheckIn.client_id, *columns)
            .join(shared, shared.c.client_id == CheckIn.client_id)
            .where(CheckIn.local_date >= bindparam("first_needed", type_=DAY))
            .group_by(CheckIn.client_id))


def _flag_below_usual(db: Session, accesses, rows, now) -> None:
    """Mood, energy or everyday life whose average over the last 7 days is at least
    ``BELOW_BY`` under the average of the 4 weeks before (both only from shared days)."""
    bounds: dict[int, dict] = {}
    for access in accesses:
        periods = dict(zip(("recent", "usual"), _periods(access, now)))
        shared = {key: day for category, which in USUAL_PERIODS if access.has(category)
                  for key, day in _days_of(f"{category.value}_{which}", *access.window(
                      category).clip(*periods[which])).items()}
        if shared:
            bounds[access.client.id] = shared
    first_needed = min(_periods(access, now)[1][0] for access in accesses)
    result = db.execute(_recent_and_usual(_dialect(db)),
                        USUAL_WINDOWS.values(db, bounds) | {"first_needed": first_needed})
    for client_id, *figures in result:
        for index, category in enumerate(BASELINE_CATEGORIES):
            recent, recent_days, usual, usual_days = figures[index * 4:index * 4 + 4]
            if recent_days >= MIN_RECENT_DAYS and usual_days >= MIN_BASELINE_DAYS and \
                    float(recent) <= float(usual) - BELOW_BY:
                rows[client_id].flags.append(Flag(FlagKind.BELOW_USUAL, category))


# --- Checkpoints ----------------------------------------------------------------------------------

RECENT_CHECKPOINTS = _Bounds("recent_checkpoints", days=("changed",), moments=("answered",))


@cache
def _recent_checkpoints(dialect: str):
    shared = RECENT_CHECKPOINTS.table(dialect)
    return (select(Experiment.client_id, Experiment.title, Checkpoint.completed_at)
            .join(shared, shared.c.client_id == Experiment.client_id)
            .join(Checkpoint, Checkpoint.experiment_id == Experiment.id)
            .where(Checkpoint.verdict == Verdict.NOT_HELPING,
                   _within_days(Experiment.changed_on, shared, "changed"),
                   _within_moments(Checkpoint.completed_at, shared, "answered"))
            .order_by(Checkpoint.completed_at.desc()))


def _flag_checkpoints(db: Session, accesses, rows, now) -> None:
    """Checkpoints answered "not helping" in the last 4 weeks, of experiments within the
    questions grant's days."""
    def recent(access, window):
        first = _today(access, now) - timedelta(CHECKPOINT_DAYS - 1)
        return _days_of("changed", window.start, window.end) | \
            _moments_of("answered", window, _day_start(access, first))

    for client_id, title, completed_at in db.execute(
            _recent_checkpoints(_dialect(db)), RECENT_CHECKPOINTS.values(db, {
                access.client.id: recent(access, window)
                for access, window in _sharing(accesses, Category.QUESTIONS)})):
        rows[client_id].flags.append(Flag(FlagKind.CHECKPOINT, Category.QUESTIONS, title,
                                          day=_local_day(rows[client_id].access, completed_at)))


# --- As-needed use ---------------------------------------------------------------------------------

AS_NEEDED_WINDOWS = _Bounds("as_needed_windows", days=("in_use",), moments=("taken",))


@cache
def _as_needed_intakes(dialect: str):
    """Each intake outside a schedule, with the daily limit in force when it was taken."""
    shared = AS_NEEDED_WINDOWS.table(dialect)
    in_force = and_(Regimen.medication_id == DoseEvent.medication_id, Regimen.as_needed,
                    Regimen.valid_from <= DoseEvent.occurred_at,
                    or_(Regimen.valid_to.is_(None), Regimen.valid_to > DoseEvent.occurred_at))
    return (select(DoseEvent.client_id, Medication.name, DoseEvent.occurred_at,
                   Regimen.max_per_day)
            .join(shared, shared.c.client_id == DoseEvent.client_id)
            .join(Medication, Medication.id == DoseEvent.medication_id)
            .outerjoin(Regimen, in_force)
            .where(DoseEvent.planned_dose_id.is_(None), DoseEvent.status == DoseStatus.TAKEN,
                   _within_moments(DoseEvent.occurred_at, shared, "taken"),
                   *shared_record.in_use_between(shared.c.in_use_first, shared.c.in_use_last)))


def _flag_as_needed(db: Session, accesses, rows, now) -> None:
    """Intakes outside a schedule: more on one day of the last 7 than the limit in force,
    or at least ``AS_NEEDED_RISE`` more in the last 7 days than in the 7 before."""
    def last_two_weeks(access, window):
        first = _today(access, now) - timedelta(2 * RECENT_DAYS - 1)
        return _moments_of("taken", window, _day_start(access, first)) | \
            _days_of("in_use", window.start, window.end)

    intakes = db.execute(_as_needed_intakes(_dialect(db)), AS_NEEDED_WINDOWS.values(db, {
        access.client.id: last_two_weeks(access, window)
        for access, window in _sharing(accesses, Category.MEDICATIONS)}))
    per_day: Counter = Counter()
    limits: dict = {}
    recent, before = Counter(), Counter()
    for client_id, name, occurred_at, limit in intakes:
        access = rows[client_id].access
        day = _local_day(access, occurred_at)
        recent_first = _today(access, now) - timedelta(RECENT_DAYS - 1)
        if day >= recent_first:
            recent[client_id, name] += 1
            per_day[client_id, name, day] += 1
            if limit:
                limits[client_id, name, day] = limit
        else:
            before[client_id, name] += 1
    above: dict = {}
    for (client_id, name, day), count in per_day.items():
        limit = limits.get((client_id, name, day))
        if limit and count > limit and count > above.get((client_id, name), (0, 0))[0]:
            above[client_id, name] = (count, limit)
    for (client_id, name), (count, limit) in sorted(above.items()):
        rows[client_id].flags.append(Flag(FlagKind.AS_NEEDED_ABOVE_LIMIT, Category.MEDICATIONS,
                                          name, count=count, limit=limit))
    for (client_id, name), count in sorted(recent.items()):
        window = rows[client_id].access.window(Category.MEDICATIONS)
        whole_fortnight = window.start is None or window.start <= \
            _today(rows[client_id].access, now) - timedelta(2 * RECENT_DAYS - 1)
        if (client_id, name) not in above and whole_fortnight and \
                count >= before[client_id, name] + AS_NEEDED_RISE:
            rows[client_id].flags.append(Flag(FlagKind.AS_NEEDED_RISING, Category.MEDICATIONS,
                                              name, count=count))


# --- Medication changes ahead ----------------------------------------------------------------------

CHANGE_WINDOWS = _Bounds("change_windows", moments=("changes",))


@cache
def _changes_ahead(dialect: str):
    shared = CHANGE_WINDOWS.table(dialect)
    return (select(Medication.client_id, Medication.name, Regimen.valid_from)
            .join(shared, shared.c.client_id == Medication.client_id)
            .join(Regimen, Regimen.medication_id == Medication.id)
            .where(Regimen.valid_from > bindparam("now", type_=MOMENT),
                   Regimen.valid_from <= bindparam("ahead_until", type_=MOMENT),
                   or_(Regimen.valid_to.is_(None), Regimen.valid_to > Regimen.valid_from),
                   _within_moments(Regimen.valid_from, shared, "changes"))
            .order_by(Regimen.valid_from))


def _flag_changes_ahead(db: Session, accesses, rows, now) -> None:
    """Dose or schedule versions that begin within the next 14 days, inside the grant."""
    for client_id, name, valid_from in db.execute(
            _changes_ahead(_dialect(db)), CHANGE_WINDOWS.values(db, {
                access.client.id: _moments_of("changes", window)
                for access, window in _sharing(accesses, Category.MEDICATIONS)})
            | {"now": now, "ahead_until": now + timedelta(days=CHANGE_AHEAD_DAYS)}):
        rows[client_id].flags.append(Flag(FlagKind.CHANGE_AHEAD, Category.MEDICATIONS, name,
                                          day=_local_day(rows[client_id].access, valid_from)))
