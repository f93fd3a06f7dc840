"""What a client's record shows over a period: adherence per medication, the check-in lines
with their gaps, side effects by day, and the days a medication started, changed or stopped.

Each part runs a fixed number of queries whatever the amount of data, and reads only the
sections it is asked for, from an optional date floor on. The care views pass exactly what a
client has granted (section names are the sharing categories), so an ungranted category is
never even selected, and nothing before the "from" date is read."""
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import (Date, Integer, Row, String, bindparam, cast, false, func, null, or_,
                        select, union_all)
from sqlalchemy.orm import Session

from models import (CheckIn, DoseEvent, DoseStatus, Medication, PlannedDose, Regimen,
                    RegimenChange, Severity, SideEffect, User)
from models.base import column_rows
from models.journal import (CHECKIN_CATEGORIES, CHECKIN_FIELD, HOURS_RANGE, SCALE_RANGE,
                            AnswerKind, checkin_fields_of)
from tend import charts
from tend.formatting import amount_figure, day_and_month, number
from tend.services import dose_counts, doses, schedule

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# A chart with fewer days than this says little (a line of two points, one bar): until then
# the page says what will appear, and after how many days, and keeps the figures in words.
CHART_MIN_DAYS = 5

MEDICATIONS = "medications"  # adherence and the start/change/stop markers
SIDE_EFFECTS = "side_effects"
# The check-in's sections are its sharing categories ("sleep", "mood"...), as the vocabulary
# in models/journal.py groups its measures.
CHECKIN_SECTIONS = {category.value: checkin_fields_of(category)
                    for category in CHECKIN_CATEGORIES}
SECTIONS = (MEDICATIONS, *CHECKIN_SECTIONS, SIDE_EFFECTS)

SEVERITY_NAMES = {Severity.NONE.value: _l("none"), Severity.MILD.value: _l("mild"),
                  Severity.MODERATE.value: _l("moderate"), Severity.SEVERE.value: _l("severe")}
SEVERITY_LEVEL = {Severity.NONE: 0, Severity.MILD: 1, Severity.MODERATE: 2, Severity.SEVERE: 3}


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last`` in the client's time zone (empty when first > last)."""

    first: date
    last: date

    @cached_property
    def days(self) -> list[date]:  # asked for by every chart and table: made once
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=n) for n in range(max(count, 0))]

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


def period_ending(client: User, now: datetime, days: int, since: date | None = None) -> Period:
    """The ``days`` local days up to today; never before ``since`` (a sharing "from" date)."""
    last = schedule.local_today(client, now)
    first = last - timedelta(days=days - 1)
    return Period(max(first, since) if since else first, last)


# --- Adherence ----------------------------------------------------------------------------

@dataclass
class Adherence:
    """What happened to one medication's planned doses whose time has come."""

    medication_id: int
    name: str
    on_time: int = 0
    late: int = 0         # taken, later than planned
    skipped: int = 0
    missed: int = 0
    not_yet: int = 0      # due now or a little late, not logged yet: not counted as missed

    @property
    def taken(self) -> int:
        return self.on_time + self.late

    @property
    def due(self) -> int:
        return self.taken + self.skipped + self.missed + self.not_yet

    def add(self, state: str, taken_late: bool, number: int = 1) -> None:
        """Add ``number`` planned doses in ``state`` (a ``doses.State``), taken late or not."""
        if state == doses.State.TAKEN:
            if taken_late:
                self.late += number
            else:
                self.on_time += number
        elif state == doses.State.SKIPPED:
            self.skipped += number
        elif state == doses.State.MISSED:
            self.missed += number
        elif state in (doses.State.DUE, doses.State.LATE):
            self.not_yet += number


@dataclass
class DayDoses:
    """One day's planned doses whose time has come, and how many of them were taken."""

    taken: int
    due: int


@dataclass
class AsNeeded:
    medication_id: int
    name: str
    taken: int


@dataclass
class MedicationHistory:
    """A medication as the insights read it: its name, its days, and its regimen versions
    (rows with the columns that tell changes apart and say the dose), oldest first."""

    id: int
    name: str
    started_on: date
    ended_on: date | None
    regimens: list = field(default_factory=list)


# The page's reads, built once (a statement and its cache key built for each request cost
# about as much as sending it): the client and the period are bound on each visit. Those
# that read plain columns go through the session's connection: rows, no ORM loading.
# Planned doses are counted in SQL (dose_counts: ``doses.state_of`` as SQL), so 90 days of
# doses come back as about a hundred counts, not one row each: per medication by state and
# lateness, and per day the doses whose time has come and those of them taken (the read of a
# day's doses needs neither the medication nor the lateness, so it is served from the index
# on client and day alone). One statement: a row is a medication's when its day is None (its
# ``number`` doses in ``state``), a day's when its medication is (``number`` doses whose time
# has come, ``taken`` of them taken).
def _doses_in_period(*columns):
    return (select(*columns, dose_counts.STATE.label("state"))
            .outerjoin(DoseEvent, DoseEvent.planned_dose_id == PlannedDose.id)
            .where(PlannedDose.client_id == bindparam("client_id"),
                   PlannedDose.local_date.between(bindparam("first"), bindparam("last")))
            .subquery())


_BY_MEDICATION = _doses_in_period(PlannedDose.medication_id,
                                  dose_counts.TAKEN_LATE.label("taken_late"))
_BY_DAY = _doses_in_period(PlannedDose.local_date)
_DOSE_COUNTS = union_all(
    select(_BY_MEDICATION.c.medication_id, cast(null(), Date), _BY_MEDICATION.c.state,
           _BY_MEDICATION.c.taken_late, func.count().label("number"),
           cast(null(), Integer).label("taken"))
    .group_by(_BY_MEDICATION.c.medication_id, _BY_MEDICATION.c.state,
              _BY_MEDICATION.c.taken_late),
    select(cast(null(), Integer), _BY_DAY.c.local_date, cast(null(), String), false(),
           func.count().filter(_BY_DAY.c.state != doses.State.UPCOMING),
           func.count().filter(_BY_DAY.c.state == doses.State.TAKEN))
    .group_by(_BY_DAY.c.local_date))
_AS_NEEDED_INTAKES = (
    select(DoseEvent.medication_id, func.count())
    .where(DoseEvent.client_id == bindparam("client_id"), DoseEvent.planned_dose_id.is_(None),
           DoseEvent.status == DoseStatus.TAKEN, DoseEvent.occurred_at >= bindparam("start"),
           DoseEvent.occurred_at < bindparam("end"))
    .group_by(DoseEvent.medication_id))
_MEDICATION_VERSIONS = (
    select(Medication.id, Medication.name, Medication.started_on, Medication.ended_on,
           Regimen.change, Regimen.valid_from, Regimen.strength, Regimen.strength_unit,
           Regimen.amount, Regimen.times, Regimen.weekdays, Regimen.as_needed,
           Regimen.max_per_day)
    .outerjoin(Regimen, Regimen.medication_id == Medication.id)
    .where(Medication.client_id == bindparam("client_id"))
    .order_by(Medication.id, Regimen.valid_from, Regimen.id))
_SIDE_EFFECTS = (
    select(SideEffect.symptom, SideEffect.severity, SideEffect.started_on, SideEffect.ended_on)
    .where(SideEffect.client_id == bindparam("client_id"),
           SideEffect.started_on <= bindparam("last"),
           or_(SideEffect.ended_on.is_(None), SideEffect.ended_on >= bindparam("first")))
    .order_by(SideEffect.started_on, SideEffect.symptom))
_SIDE_EFFECTS_SINCE = _SIDE_EFFECTS.where(SideEffect.started_on >= bindparam("since"))


@lru_cache(maxsize=64)
def _checkin_columns(fields: tuple[str, ...]):
    """The read of these check-in answers by day (one statement per set of answers)."""
    return select(CheckIn.local_date, *(getattr(CheckIn, name) for name in fields)).where(
        CheckIn.client_id == bindparam("client_id"),
        CheckIn.local_date.between(bindparam("first"), bindparam("last")))


def _in_period(client: User, period: Period) -> dict:
    return {"client_id": client.id, "first": period.first, "last": period.last}


def dose_tallies(db: Session, client: User, period: Period, now: datetime,
                 meds: dict[int, MedicationHistory]
                 ) -> tuple[list[Adherence], dict[date, DayDoses]]:
    """The period's planned doses counted by state and lateness in SQL, as ``doses.state_of``
    tells them (one query of counts): per medication with planned doses whose time has come,
    in name order, and all medications together per day."""
    by_medication: dict[int, Adherence] = {}
    by_day: dict[date, DayDoses] = {}
    for med_id, day, state, taken_late, number, taken in column_rows(
            db, _DOSE_COUNTS, {**_in_period(client, period), **dose_counts.state_moments(now)}):
        if day is None:
            item = by_medication.get(med_id) or by_medication.setdefault(
                med_id, Adherence(med_id, meds[med_id].name))
            item.add(state, taken_late, number)
        elif number:  # a day whose doses are all still to come has none yet
            by_day[day] = DayDoses(taken, number)
    tallies = sorted((item for item in by_medication.values() if item.due),
                     key=lambda item: item.name.lower())
    return tallies, by_day


def adherence(db: Session, client: User, period: Period, now: datetime,
              meds: dict[int, MedicationHistory]) -> list[Adherence]:
    """Per medication with planned doses whose time has come (see ``dose_tallies``)."""
    return dose_tallies(db, client, period, now, meds)[0]


def as_needed_intakes(db: Session, client: User, period: Period,
                      meds: dict[int, MedicationHistory]) -> list[AsNeeded]:
    """How often each medication was taken outside a schedule in the period (one query)."""
    start = schedule.start_of_local_day(period.first, client.timezone)
    end = schedule.start_of_local_day(period.last + timedelta(days=1), client.timezone)
    rows = column_rows(db, _AS_NEEDED_INTAKES, {"client_id": client.id, "start": start,
                                                 "end": end}).all()
    items = [AsNeeded(med_id, meds[med_id].name, count) for med_id, count in rows]
    return sorted(items, key=lambda item: item.name.lower())


# --- Medication changes ------------------------------------------------------------------

MARKER_TEXT = {
    "start": _l("Started %(name)s"),
    "dose": _l("%(name)s: dose changed to %(dose)s"),
    "schedule": _l("%(name)s: schedule changed"),
    "change": _l("%(name)s: changed"),
    "pause": _l("Paused %(name)s"),
    "resume": _l("Resumed %(name)s"),
    "stop": _l("Stopped %(name)s"),
}


@dataclass
class Marker:
    day: date
    kind: str  # a key of MARKER_TEXT
    medication: str
    regimen: Row | None = None  # the new version (its dose columns), for a dose change
    number: int = 0  # its group's place in the period's list, shown on the charts

    @property
    def label(self) -> str:
        dose = dose_text(self.regimen) if self.regimen is not None else ""
        return MARKER_TEXT[self.kind] % {"name": self.medication, "dose": dose}


def dose_text(regimen: Regimen) -> str:
    """"50 mg", or "2 × 50 mg" when more than one unit is taken at a time."""
    amount = amount_figure(regimen.amount)
    if regimen.strength is None:
        return _("%(amount)s at a time", amount=amount)
    strength = f"{number(regimen.strength.normalize())} {regimen.strength_unit}".strip()
    return strength if regimen.amount == 1 else f"{amount} × {strength}"


def _change_kind(previous: Row | None, regimen: Row) -> str:
    if previous is None:
        return "change"
    if (previous.strength, previous.strength_unit, previous.amount) != \
            (regimen.strength, regimen.strength_unit, regimen.amount):
        return "dose"
    if (previous.times, previous.weekdays, previous.as_needed, previous.max_per_day) != \
            (regimen.times, regimen.weekdays, regimen.as_needed, regimen.max_per_day):
        return "schedule"
    return "change"


def _markers_of(med: MedicationHistory, zone: ZoneInfo) -> list[Marker]:
    markers = [Marker(med.started_on, "start", med.name)]
    previous = None
    for regimen in med.regimens:
        day = regimen.valid_from.astimezone(zone).date()
        if regimen.change is RegimenChange.CHANGE:
            kind = _change_kind(previous, regimen)
            markers.append(Marker(day, kind, med.name, regimen))
        elif regimen.change in (RegimenChange.PAUSE, RegimenChange.RESUME):
            markers.append(Marker(day, regimen.change.value, med.name))
        if regimen.change is not RegimenChange.PAUSE:
            previous = regimen  # a change after a pause is compared with the dose before it
    if med.ended_on:
        markers.append(Marker(med.ended_on, "stop", med.name))
    return markers


@dataclass
class MarkerGroup:
    """Changes on one day, or on days so close that their marks on a chart would overlap:
    one dashed mark and one number on the charts, one item in the list of changes."""

    number: int
    markers: list[Marker]

    @property
    def label(self) -> str:
        return str(self.number)

    @property
    def days(self) -> list[date]:
        return sorted({marker.day for marker in self.markers})

    @property
    def text(self) -> str:
        """What changed, in words: "Nov 24: Started A; Started B. Nov 25: Stopped C"."""
        return ". ".join(
            _("%(day)s: %(changes)s", day=day_and_month(day),
              changes="; ".join(marker.label for marker in self.markers if marker.day == day))
            for day in self.days)


def medication_markers(client: User, period: Period,
                       meds: dict[int, MedicationHistory]) -> list[Marker]:
    """Starts, dose or schedule changes, pauses, resumes and stops within the period, in date
    order and numbered by group (no query: made from the medications and their versions)."""
    zone = ZoneInfo(client.timezone)
    markers = [marker for med in meds.values() for marker in _markers_of(med, zone)
               if marker.day in period]
    markers.sort(key=lambda marker: (marker.day, marker.medication.lower()))
    for group in group_markers(markers, period):
        for marker in group.markers:
            marker.number = group.number
    return markers


def group_markers(markers: list[Marker], period: Period) -> list[MarkerGroup]:
    """Markers (in date order) grouped so no two groups' marks crowd each other on a chart of
    this period: a marker joins the group before it when it is the same day or too close."""
    apart = charts.days_apart_to_read(len(period.days))
    groups: list[MarkerGroup] = []
    for marker in markers:
        if groups and (marker.day - groups[-1].days[0]).days < apart:
            groups[-1].markers.append(marker)
        else:
            groups.append(MarkerGroup(len(groups) + 1, [marker]))
    return groups


def medications_by_id(db: Session, client: User) -> dict[int, MedicationHistory]:
    """All the client's medications with their regimen versions (one query, plain rows)."""
    meds: dict[int, MedicationHistory] = {}
    for row in column_rows(db, _MEDICATION_VERSIONS, {"client_id": client.id}):
        med = meds.get(row.id) or meds.setdefault(
            row.id, MedicationHistory(row.id, row.name, row.started_on, row.ended_on))
        if row.valid_from is not None:  # a medication without a version yet
            med.regimens.append(row)
    return meds


# --- Check-ins -----------------------------------------------------------------------------

@dataclass
class Series:
    """One check-in value per day of the period; None where there was no check-in (a gap)."""

    key: str
    values: list[float | None]

    @property
    def label(self) -> str:
        return str(CHECKIN_FIELD[self.key].label)

    @property
    def in_hours(self) -> bool:
        return CHECKIN_FIELD[self.key].kind is AnswerKind.HOURS

    @cached_property  # asked for by the chart, its description and the section: made once
    def logged(self) -> list[float]:
        return [value for value in self.values if value is not None]

    @cached_property
    def lowest(self) -> float | None:
        return min(self.logged, default=None)

    @cached_property
    def highest(self) -> float | None:
        return max(self.logged, default=None)

    @property
    def charted(self) -> bool:
        return len(self.logged) >= CHART_MIN_DAYS

    @cached_property
    def scale(self) -> tuple[float, float, list[float]]:
        """(lowest, highest, ticks): 1-5 for the scales, hours from 0 for sleep."""
        if not self.in_hours:
            low, high = SCALE_RANGE
            return low, high, list(range(low, high + 1))
        high = min(HOURS_RANGE[1], max([12, *self.logged]))
        high = -(-high // 4) * 4
        return 0, high, list(range(0, int(high) + 1, 4))


def checkin_series(db: Session, client: User, period: Period,
                   fields: list[str]) -> dict[str, Series]:
    """The daily values of ``fields`` (one query that selects only those columns)."""
    if not fields:
        return {}
    rows = column_rows(db, _checkin_columns(tuple(fields)), _in_period(client, period)).all()
    by_day = {row[0]: row[1:] for row in rows}
    answers = [by_day.get(day) for day in period.days]  # each day's answers; None if none
    return {name: Series(name, [None if row is None or row[index] is None else float(row[index])
                                for row in answers])
            for index, name in enumerate(fields)}


# --- Side effects --------------------------------------------------------------------------

@dataclass
class SideEffectDay:
    day: date
    items: list[Row] = field(default_factory=list)  # symptom, severity, started_on, ended_on

    @property
    def level(self) -> int:
        """The strongest severity that day, 0 (none) to 3 (severe)."""
        return max(SEVERITY_LEVEL[item.severity] for item in self.items)

    @property
    def severity(self) -> Severity:
        return max((item.severity for item in self.items), key=SEVERITY_LEVEL.get)


def side_effects_by_day(db: Session, client: User, period: Period, today: date,
                        since: date | None = None) -> dict[date, SideEffectDay]:
    """Each day of the period that had a side effect (one query, plain rows). One without an
    end date is still going on: it counts up to today. With ``since`` (a sharing "from" date), a side
    effect that started earlier is not read at all, even if it went on afterwards."""
    if since:
        items = column_rows(db, _SIDE_EFFECTS_SINCE, {**_in_period(client, period),
                                                      "since": since}).all()
    else:
        items = column_rows(db, _SIDE_EFFECTS, _in_period(client, period)).all()
    result: dict[date, SideEffectDay] = {}
    for item in items:
        last = min(item.ended_on or today, period.last)
        day = max(item.started_on, period.first)
        while day <= last:
            result.setdefault(day, SideEffectDay(day)).items.append(item)
            day += timedelta(days=1)
    for entry in result.values():  # the strongest first
        entry.items.sort(key=lambda item: (-SEVERITY_LEVEL[item.severity], item.symptom))
    return dict(sorted(result.items()))


# --- Everything for one page ---------------------------------------------------------------

@dataclass
class Insights:
    period: Period
    sections: tuple[str, ...]
    adherence: list[Adherence] = field(default_factory=list)
    doses_by_day: dict[date, DayDoses] = field(default_factory=dict)  # days with doses due
    as_needed: list[AsNeeded] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    series: dict[str, Series] = field(default_factory=dict)
    side_effects: dict[date, SideEffectDay] = field(default_factory=dict)

    def shows(self, section: str) -> bool:
        return section in self.sections

    @cached_property
    def daily_doses(self) -> list[DayDoses | None]:
        """All medications together, per day of the period; None for a day with no planned
        dose whose time has come."""
        return [self.doses_by_day.get(day) for day in self.period.days]

    @property
    def daily_shares(self) -> list[float | None]:
        """Per day, the share of its doses whose time has come that were taken."""
        return [None if day is None else day.taken / day.due for day in self.daily_doses]

    @property
    def daily_counts(self) -> tuple[list[int | None], list[int | None]]:
        """Per day, the doses taken and the doses whose time has come (None on a day without)."""
        daily = self.daily_doses
        return ([None if day is None else day.taken for day in daily],
                [None if day is None else day.due for day in daily])

    @cached_property
    def side_effect_words(self) -> dict[date, str]:
        """Each day's side effects in words, the strongest first: "nausea (moderate), tremor
        (mild)" (the words looked up once, not once for each of up to 90 days)."""
        said = _("%(symptom)s (%(severity)s)")
        names = {value: str(name) for value, name in SEVERITY_NAMES.items()}
        return {day: ", ".join(said % {"symptom": item.symptom,
                                       "severity": names[item.severity.value]}
                               for item in entry.items)
                for day, entry in self.side_effects.items()}

    @property
    def severity_levels(self) -> list[int | None]:
        """Per day, the strongest side effect's level (None on a day without)."""
        return [self.side_effects[day].level if day in self.side_effects else None
                for day in self.period.days]

    @property
    def dose_days(self) -> int:
        """Days of the period with a planned dose whose time has come."""
        return len(self.doses_by_day)

    @property
    def doses_charted(self) -> bool:
        return self.dose_days >= CHART_MIN_DAYS

    @property
    def entry_days(self) -> int:
        """Days of the period with anything in the sections read: a check-in, a planned dose
        whose time has come, a side effect."""
        days = set(self.side_effects)
        days.update(self.doses_by_day)
        for series in self.series.values():
            days.update([day for day, value in zip(self.period.days, series.values)
                         if value is not None])
        return len(days)

    @property
    def side_effects_charted(self) -> bool:
        return bool(self.side_effects) and self.entry_days >= CHART_MIN_DAYS

    @property
    def has_charts(self) -> bool:
        """Whether any chart is drawn at all (a new record has none yet)."""
        return (self.doses_charted or self.side_effects_charted
                or any(series.charted for series in self.series.values()))

    @cached_property
    def marker_groups(self) -> list[MarkerGroup]:  # drawn on every chart: grouped once
        return group_markers(self.markers, self.period)

    def series_of(self, section: str) -> list[Series]:
        return [self.series[name] for name in CHECKIN_SECTIONS[section]]


def build(db: Session, client: User, now: datetime, days: int = DEFAULT_PERIOD,
          sections=SECTIONS, since: date | None = None) -> Insights:
    """The insights of the last ``days`` local days, for the chosen ``sections`` only.

    At most six queries whatever the amount of data; fewer when fewer sections are asked."""
    wanted = tuple(name for name in SECTIONS if name in set(sections))
    period = period_ending(client, now, days, since)
    result = Insights(period, wanted)
    if MEDICATIONS in wanted:
        meds = medications_by_id(db, client)
        result.adherence, result.doses_by_day = dose_tallies(db, client, period, now, meds)
        result.as_needed = as_needed_intakes(db, client, period, meds)
        result.markers = medication_markers(client, period, meds)
    fields = [name for section in wanted for name in CHECKIN_SECTIONS.get(section, ())]
    result.series = checkin_series(db, client, period, fields)
    if SIDE_EFFECTS in wanted:
        result.side_effects = side_effects_by_day(db, client, period, period.last, since)
    return result


def parse_days(value) -> int:
    """The period asked for in ``?days=``; anything else gives the default."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD
