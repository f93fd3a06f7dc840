"""A supporter's list of clients, and for a therapist who may need attention first.

Every figure comes only from a category the client shares, and only from the days its grant
covers: each query carries one condition per client (``_per_client``) made of that client's
own window and local days. The whole list takes the same few grouped queries however many
clients there are; nothing here queries once per client (a caregiver's "Today" line aside).

Flags are pointers, not judgements: each names what is there and links to it on the client
page. How they are computed is said on the caseload page too (``templates/care/home.html``)."""
import enum
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from models import (Category, CheckIn, DoseEvent, DoseStatus, Medication, Regimen, Role,
                    Severity, SideEffect, SkipReason)
from models.decisions import Checkpoint, Experiment, Verdict
from models.journal import CHECKIN_CATEGORIES, checkin_fields_of
from tend import access as access_rules
from tend.access import Access, local_today
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
    accesses = [access for access in (access_rules.access_for_link(link, now)
                                      for link in access_rules.supporters_links(viewer))
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


# --- One condition for all clients ------------------------------------------------------------

def _per_client(accesses: list[Access], category: Category, client_column, condition,
                shared_as=lambda access, category: category):
    """SQL: ``client_column`` is one of the clients sharing ``category`` and the row meets
    ``condition(access, window)`` for that client (their window, their local days). Clients
    with the same window and time zone share one term (``client IN (...)``). ``shared_as``
    names the grant that shares the category for one client (logged doses: the dose log, or
    the medications grant as "which doses are logged")."""
    groups: dict[tuple, list[Access]] = defaultdict(list)
    for access in accesses:
        grant = shared_as(access, category)
        if grant is not None and access.has(grant):
            groups[access.window(grant), access.client.timezone].append(access)
    terms = [and_(client_column.in_([access.client.id for access in group]),
                  condition(group[0], window))
             for (window, _zone), group in groups.items()]
    return or_(*terms) if terms else false()


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


def _days_between(column, first: date, last: date):
    return and_(column >= first, column <= last)


# --- Last shared activity and quiet categories -------------------------------------------------

def _answered(category: Category):
    """SQL: the check-in holds an answer of ``category``."""
    if category is Category.NOTES:
        return CheckIn.note != ""
    return or_(*(getattr(CheckIn, name).isnot(None) for name in checkin_fields_of(category)))


def _last_shared(db: Session, accesses: list[Access], rows: dict[int, Row],
                 now: datetime) -> None:
    """The last day with an entry in each shared category (one query for check-ins, one for
    doses, one for side effects); a category shared for a week with none since is quiet."""
    by_category: dict[int, dict[Category, date]] = defaultdict(dict)
    ids = list(rows)
    columns = [func.max(case((and_(_answered(category), _per_client(
        accesses, category, CheckIn.client_id,
        lambda access, window: window.dates(CheckIn.local_date))), CheckIn.local_date)))
        for category in CHECKIN_CATEGORIES]
    for client_id, *days in db.execute(select(CheckIn.client_id, *columns)
                                       .where(CheckIn.client_id.in_(ids))
                                       .group_by(CheckIn.client_id)):
        for category, day in zip(CHECKIN_CATEGORIES, days):
            if day is not None:
                by_category[client_id][category] = day
    for client_id, moment in db.execute(
            select(DoseEvent.client_id, func.max(DoseEvent.occurred_at))
            .where(_per_client(accesses, Category.DOSE_LOG, DoseEvent.client_id,
                               lambda access, window: window.moments(DoseEvent.occurred_at),
                               lambda access, _: _dose_category(access)))
            .group_by(DoseEvent.client_id)):
        by_category[client_id][Category.DOSE_LOG] = _local_day(rows[client_id].access, moment)
    for client_id, day in db.execute(
            select(SideEffect.client_id, func.max(SideEffect.started_on))
            .where(_per_client(accesses, Category.SIDE_EFFECTS, SideEffect.client_id,
                               lambda access, window: window.dates(SideEffect.started_on)))
            .group_by(SideEffect.client_id)):
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

def _flag_side_effects(db: Session, accesses, rows, now) -> None:
    """Side effects that began in the last 7 days: any red flag (at any severity), and the
    moderate or severe ones."""
    recent = db.execute(
        select(SideEffect.client_id, SideEffect.symptom, SideEffect.severity,
               SideEffect.started_on)
        .where(_per_client(accesses, Category.SIDE_EFFECTS, SideEffect.client_id,
                           lambda access, window: and_(
                               window.dates(SideEffect.started_on),
                               _days_between(SideEffect.started_on,
                                             _today(access, now) - timedelta(RECENT_DAYS - 1),
                                             _today(access, now)))))
        .order_by(SideEffect.started_on.desc(), SideEffect.id.desc()))
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
    def recent_skips(access, window):
        first = _today(access, now) - timedelta(RECENT_DAYS - 1)
        return and_(window.moments(DoseEvent.occurred_at),
                    DoseEvent.occurred_at >= _day_start(access, first))

    for client_id, count in db.execute(
            select(DoseEvent.client_id, func.count())
            .where(DoseEvent.status == DoseStatus.SKIPPED,
                   DoseEvent.skip_reason == SkipReason.SIDE_EFFECTS,
                   _per_client(accesses, Category.DOSE_LOG, DoseEvent.client_id, recent_skips))
            .group_by(DoseEvent.client_id)):
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


def _flag_below_usual(db: Session, accesses, rows, now) -> None:
    """Mood, energy or everyday life whose average over the last 7 days is at least
    ``BELOW_BY`` under the average of the 4 weeks before (both only from shared days)."""
    columns = []
    for category in BASELINE_CATEGORIES:
        score = _day_score(category)
        for which in (0, 1):  # recent, baseline
            def within(access, window, which=which):
                first, last = _periods(access, now)[which]
                return and_(window.dates(CheckIn.local_date),
                            _days_between(CheckIn.local_date, first, last))
            condition = _per_client(accesses, category, CheckIn.client_id, within)
            value = case((condition, score))
            columns += [func.avg(value), func.count(value)]
    first_needed = {client_id: _periods(row.access, now)[1][0] for client_id, row in rows.items()}
    result = db.execute(
        select(CheckIn.client_id, *columns)
        .where(CheckIn.client_id.in_(list(rows)),
               CheckIn.local_date >= min(first_needed.values()))
        .group_by(CheckIn.client_id))
    for client_id, *figures in result:
        for index, category in enumerate(BASELINE_CATEGORIES):
            recent, recent_days, usual, usual_days = figures[index * 4:index * 4 + 4]
            if recent_days >= MIN_RECENT_DAYS and usual_days >= MIN_BASELINE_DAYS and \
                    float(recent) <= float(usual) - BELOW_BY:
                rows[client_id].flags.append(Flag(FlagKind.BELOW_USUAL, category))


# --- Checkpoints ----------------------------------------------------------------------------------

def _flag_checkpoints(db: Session, accesses, rows, now) -> None:
    """Checkpoints answered "not helping" in the last 4 weeks, of experiments within the
    questions grant's days."""
    def recent(access, window):
        first = _today(access, now) - timedelta(CHECKPOINT_DAYS - 1)
        return and_(window.dates(Experiment.changed_on), window.moments(Checkpoint.completed_at),
                    Checkpoint.completed_at >= _day_start(access, first))

    for client_id, title, completed_at in db.execute(
            select(Experiment.client_id, Experiment.title, Checkpoint.completed_at)
            .join(Checkpoint, Checkpoint.experiment_id == Experiment.id)
            .where(Checkpoint.verdict == Verdict.NOT_HELPING,
                   _per_client(accesses, Category.QUESTIONS, Experiment.client_id, recent))
            .order_by(Checkpoint.completed_at.desc())):
        rows[client_id].flags.append(Flag(FlagKind.CHECKPOINT, Category.QUESTIONS, title,
                                          day=_local_day(rows[client_id].access, completed_at)))


# --- As-needed use ---------------------------------------------------------------------------------

def _flag_as_needed(db: Session, accesses, rows, now) -> None:
    """Intakes outside a schedule: more on one day of the last 7 than the limit in force,
    or at least ``AS_NEEDED_RISE`` more in the last 7 days than in the 7 before."""
    def last_two_weeks(access, window):
        first = _today(access, now) - timedelta(2 * RECENT_DAYS - 1)
        return and_(window.moments(DoseEvent.occurred_at),
                    DoseEvent.occurred_at >= _day_start(access, first),
                    *shared_record.in_use_within(window))

    in_force = and_(Regimen.medication_id == DoseEvent.medication_id, Regimen.as_needed,
                    Regimen.valid_from <= DoseEvent.occurred_at,
                    or_(Regimen.valid_to.is_(None), Regimen.valid_to > DoseEvent.occurred_at))
    intakes = db.execute(
        select(DoseEvent.client_id, Medication.name, DoseEvent.occurred_at, Regimen.max_per_day)
        .join(Medication, Medication.id == DoseEvent.medication_id)
        .outerjoin(Regimen, in_force)
        .where(DoseEvent.planned_dose_id.is_(None), DoseEvent.status == DoseStatus.TAKEN,
               _per_client(accesses, Category.MEDICATIONS, DoseEvent.client_id,
                           last_two_weeks)))
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

def _flag_changes_ahead(db: Session, accesses, rows, now) -> None:
    """Dose or schedule versions that begin within the next 14 days, inside the grant."""
    for client_id, name, valid_from in db.execute(
            select(Medication.client_id, Medication.name, Regimen.valid_from)
            .join(Regimen, Regimen.medication_id == Medication.id)
            .where(Regimen.valid_from > now,
                   Regimen.valid_from <= now + timedelta(days=CHANGE_AHEAD_DAYS),
                   or_(Regimen.valid_to.is_(None), Regimen.valid_to > Regimen.valid_from),
                   _per_client(accesses, Category.MEDICATIONS, Medication.client_id,
                               lambda access, window: window.moments(Regimen.valid_from)))
            .order_by(Regimen.valid_from)):
        rows[client_id].flags.append(Flag(FlagKind.CHANGE_AHEAD, Category.MEDICATIONS, name,
                                          day=_local_day(rows[client_id].access, valid_from)))
