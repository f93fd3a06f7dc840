"""Bringing a Tend export (``tend.services.export``) into an empty account.

Three steps, so that a refused file changes nothing and an import never keeps other people
from writing:

1. ``read_document``: the upload is unpacked and parsed within limits (bytes unpacked, objects
   parsed, nesting), so a ZIP bomb, a damaged archive or a forged header is refused cheaply.
2. ``check_document``: every row of every kind is checked against the rules the forms apply
   (types, choices, ranges, lengths, time zones, moments with their offset), the row limits
   below hold, every reference points at a row of the file, and no two rows break a unique
   rule. Nothing has touched the database yet: a refusal names the file, kind, row and field.
3. ``write``: the account is claimed (``users.import_started_at``), then the rows go in in
   batches of ``BATCH_ROWS``, each its own short transaction, so the database's write lock
   (SQLite has one, for the whole file) is never held for longer than one batch. The last
   transaction takes the account's zone and language and lifts the claim. If a batch fails,
   what the import wrote is removed again, in short transactions too. If the process dies
   mid-way (gunicorn stops a worker after 30 s, a restart), the claim stays on the account;
   once it is older than ``IMPORT_LEASE`` the next page the client opens removes what was
   written (``discard_interrupted``), so no half account is left behind.
"""
import io
import json
import re
import time as timer
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Callable

import sqlalchemy as sa
from flask_babel import format_decimal, lazy_gettext as _l
from sqlalchemy.orm import Session

from models import Category, User
from models.journal import CHECKIN_FIELD, CHECKIN_SCALES, HOURS_RANGE, SCALE_RANGE
from models.medication import (AMOUNT_RANGE, AMOUNT_UNITS, CYCLE_DAYS_RANGE, HELPED_ANSWERS,
                               INTERVAL_DAYS_RANGE, INTERVAL_HOURS_RANGE, MAX_PER_DAY_RANGE,
                               MAX_TIMES_A_DAY, MEDICATION_FORMS, MINUTES_RANGE,
                               SCHEDULE_KINDS, STRENGTH_RANGE, STRENGTH_UNITS, UNITS_RANGE)
from models.push import REFILL_DAY_CHOICES, REPEAT_DELAY_CHOICES
from models.sharing import THERAPIST_NOTE_LIMIT
from models.base import UTCDateTime
from models.plan import PlanSection
from models.step_plan import CHECKPOINT_DAYS_RANGE, INTERVAL_DAYS_RANGE, MAX_PLAN_STEPS
from tend.fields import EARLIEST, LATEST, UUID_PATTERN, parse_day
from tend.services import accounts, deletion
from tend.services.plan import MAX_ITEMS_PER_SECTION
from tend.services.decisions import (BASELINE_CHOICES, MAX_CHECKPOINTS, MAX_MEASURES,
                                     RULER_RANGE, STRATEGIES, TEXT_LIMIT, is_valid_measure)
from tend.services.goals import DIRECTIONS, is_goal_measure
from tend.services.export import FORMAT, JSON_NAME, KINDS, VERSION, Kind, belongs_to

# --- Limits ----------------------------------------------------------------------------------
# A file may hold what ten years of heavy use make, and no more: enough for anyone's record,
# and small enough that checking and writing the largest file takes seconds, not minutes.
DAYS = 3660            # ten years of days, leap days included
WEEKS = 522            # ten years of weeks
DOSES_A_DAY = 16       # 12 set times a day (the most a schedule can hold), as-needed doses,
                       # and slots planned again after a move to another time zone
MEDICATIONS = WEEKS    # a new medication every week
ROW_LIMITS = {
    "medications": MEDICATIONS,
    "regimens": MEDICATIONS * 4,               # started, then changed, paused, resumed
    "step_plans": MEDICATIONS,                 # a plan per medication
    "plan_steps": MEDICATIONS * MAX_PLAN_STEPS,
    "plan_step_versions": MEDICATIONS * MAX_PLAN_STEPS * 2,  # a step back makes another
    "medication_reminders": MEDICATIONS,       # one per medication
    "planned_doses": DAYS * DOSES_A_DAY,
    "dose_events": DAYS * DOSES_A_DAY,
    "side_effects": DAYS * 3,                  # three a day
    "side_effect_medications": DAYS * 3 * 3,   # each linked to three medications
    "checkins": DAYS,                          # one a day
    "experiments": WEEKS,                      # one a week
    "experiment_checkpoints": WEEKS * MAX_CHECKPOINTS,
    "readiness_rulers": WEEKS * (MAX_CHECKPOINTS + 1),  # at the start and each checkpoint
    "expectations": WEEKS + MEDICATIONS,       # one per experiment and per medication
    "appointment_notes": DAYS,                 # a goal or concern a day
    "decision_balances": WEEKS,                # a decision a week
    "decision_balance_reasons": WEEKS * 20,    # twenty reasons each
    "questions": DAYS,                         # a question a day
    "reminder_settings": 1,                    # one per account
    "checkin_reminders": 1,
    "therapist_notes": DAYS,                   # a session note a day
    "access_log": DAYS * 20,                   # supporters opening twenty pages a day
    "care_links": WEEKS,                       # an invitation a week (read, not imported)
    "grants": WEEKS * len(Category),
    "caregiver_alert_settings": WEEKS,
    "prescriber_updates": WEEKS,               # an update a week (read, not imported)
    "caregiver_observations": DAYS,            # an observation a day (read, not imported)
    "safety_plans": 1,                         # one per account
    "safety_plan_items": len(PlanSection) * MAX_ITEMS_PER_SECTION,
    "help_contacts": WEEKS,                    # a new contact a week
    "help_settings": 1,                        # one per account
}
MAX_ROWS = sum(ROW_LIMITS.values())
FIGURE_OBJECTS = 1 + MAX_MEASURES * 3  # a checkpoint's figures: itself, before/after per measure
# Objects (``{...}``) a file may hold: every row, plus what rows hold inside (figures, a
# check-in's field_changed_at), plus the document's own few.
MAX_OBJECTS = (MAX_ROWS + ROW_LIMITS["experiment_checkpoints"] * FIGURE_OBJECTS
               + ROW_LIMITS["checkins"] + 16)
# The largest tend.json a file may hold unpacked: one at every row limit, as Tend writes it
# (tests/import_documents.py), is about 67 MB, mostly dose events (390 bytes each), access-log
# entries and planned doses; the rest is room for longer notes. Packed, the upload may be at
# most TEND_IMPORT_MAX_BYTES (tend/config.py).
MAX_JSON_BYTES = 100 * 1024 * 1024
BATCH_ROWS = 1000  # rows per transaction: a few milliseconds of the write lock each
# On SQLite, after each batch the import waits this long, so writers queued for the lock
# get their turn (SQLite's lock is not handed over in order; a waiting writer retries).
PAUSE_BETWEEN_BATCHES = 0.004
IMPORT_LEASE = timedelta(minutes=10)  # far longer than any import runs (gunicorn: 30 s)

THE_FILE_IS_NOT_AN_EXPORT = _l("This isn't a Tend export: choose the ZIP file Tend made, or "
                               "the tend.json inside it.")


class ImportRefused(Exception):
    """The file can't be imported; ``message`` says why, and where, in words a person can act
    on. ``kind``, ``row`` (1 for the first) and ``field`` say where, when it's one place."""

    def __init__(self, problem, file: str = "", kind: str = "", row: int | None = None,
                 field: str = ""):
        where = [part for part in (file, kind) if part]
        if row is not None:
            where.append(str(_l("row %(row)d", row=row)))
        if field:
            where.append(f"“{field}”")
        self.message = _l("%(where)s: %(problem)s Nothing was imported.",
                          where=", ".join(where), problem=problem) if where else \
            _l("%(problem)s Nothing was imported.", problem=problem)
        self.kind, self.row, self.field = kind, row, field
        super().__init__(str(self.message))


class Invalid(Exception):
    """One value breaks a rule; ``problem`` is the form's message for it."""

    def __init__(self, problem):
        super().__init__(str(problem))
        self.problem = problem


# --- Step 1: reading the upload ----------------------------------------------------------------

def _unzip(payload: bytes, source: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            try:
                info = archive.getinfo(JSON_NAME)
            except KeyError:
                raise ImportRefused(_l("This ZIP has no tend.json in it. Choose the ZIP file "
                                       "Tend made, or the tend.json inside it."), source)
            if info.file_size > MAX_JSON_BYTES:
                raise ImportRefused(_l("This file is too large to import."), source)
            with archive.open(info) as member:  # reads no more than the limit, whatever
                body = member.read(MAX_JSON_BYTES + 1)  # the header says
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError):
        raise ImportRefused(_l("This ZIP is damaged, so Tend can't read it. Download the "
                               "export again and import the new file."), source)
    if len(body) > MAX_JSON_BYTES:
        raise ImportRefused(_l("This file is too large to import."), source)
    return body


def _parse(text: bytes, source: str) -> dict:
    # Every object starts with "{": counting them first (a braces in text counts too, which
    # only errs on the safe side) stops a file of millions of tiny objects before the parser
    # fills the memory with them.
    if text.count(b"{") > MAX_OBJECTS:
        raise ImportRefused(_l("This file holds more records than ten years of heavy use "
                               "make, so it can't be a Tend export."), source)
    try:
        return json.loads(text)
    except RecursionError:
        raise ImportRefused(_l("This file is nested too deeply, so Tend can't read it."),
                            source)
    except (UnicodeDecodeError, ValueError):
        raise ImportRefused(THE_FILE_IS_NOT_AN_EXPORT, source)


def read_document(filename: str, payload: bytes) -> tuple[dict, str]:
    """The export document from an uploaded ZIP (as Tend writes it) or a bare JSON file, and
    the name to give the file in messages."""
    filename = (filename or "").rsplit("/", 1)[-1][:100] or JSON_NAME
    if zipfile.is_zipfile(io.BytesIO(payload)):
        source = str(_l("%(json)s in %(zip)s", json=JSON_NAME, zip=filename))
        data = _parse(_unzip(payload, filename), source)
    else:
        source = filename
        if len(payload) > MAX_JSON_BYTES:
            raise ImportRefused(_l("This file is too large to import."), source)
        data = _parse(payload, source)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused(THE_FILE_IS_NOT_AN_EXPORT, source)
    if data.get("version") != VERSION:
        raise ImportRefused(_l("This export comes from a different version of Tend and can't "
                               "be read here."), source)
    return data, source


# --- Step 2: the rules a value must meet -------------------------------------------------------
# Each rule takes a value as the file holds it (JSON) and gives it as this server stores it,
# or raises ``Invalid`` with the message the form would show.

Rule = Callable[[object], object]
MISSING = object()


def _text(limit: int, required: bool = False) -> Rule:
    def check(value):
        if not isinstance(value, str):
            raise Invalid(_l("Enter text."))
        if len(value) > limit:
            raise Invalid(_l("Use at most %(max)d characters.", max=limit))
        if required and not value.strip():
            raise Invalid(_l("This can't be empty."))
        return value
    return check


def _choice(values, enum_class=None) -> Rule:
    allowed = {value: enum_class(value) if enum_class else value for value in values}
    listed = ", ".join(v for v in values if v) or "—"

    def check(value):
        try:
            return allowed[value]
        except (KeyError, TypeError):  # TypeError: a list or an object is not hashable
            raise Invalid(_l("Choose one of: %(choices)s.", choices=listed))
    return check


def _whole(low: int, high: int, message=None) -> Rule:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(_l("Enter a whole number."))
        if not low <= value <= high:
            raise Invalid(message or _l("Enter a number from %(low)d to %(high)d.",
                                        low=low, high=high))
        return value
    return check


def _whole_choice(values) -> Rule:
    listed = ", ".join(str(v) for v in values)

    def check(value):
        if isinstance(value, bool) or value not in values:
            raise Invalid(_l("Choose one of: %(choices)s.", choices=listed))
        return value
    return check


def _number(low: Decimal, high: Decimal, message) -> Rule:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise Invalid(_l("Enter a number, like 2 or 0.5."))
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise Invalid(_l("Enter a number, like 2 or 0.5."))
        if not number.is_finite():
            raise Invalid(_l("Enter a number, like 2 or 0.5."))
        if not low <= number <= high:
            raise Invalid(message)
        return number
    return check


def _boolean(value):
    if not isinstance(value, bool):
        raise Invalid(_l("Enter true or false."))
    return value


def _day(value):
    try:
        if isinstance(value, str):
            return parse_day(value)
    except ValueError:
        pass
    raise Invalid(_l("Enter a date like 2026-03-31."))


def _time_of_day(value):
    try:
        parsed = time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None:
        raise Invalid(_l("Enter a time like 08:00 or 21:30."))
    return parsed


def _moment(value):
    """A moment with its offset (as Tend writes them, in UTC): a naive one is whose time?"""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or parsed.utcoffset() is None \
            or not EARLIEST.year <= parsed.year <= LATEST.year:
        raise Invalid(_l("Enter a moment with its offset, like 2026-03-31T08:30:00+00:00."))
    return parsed


def _zone(value):
    if not isinstance(value, str) or not accounts.is_known_timezone(value):
        raise Invalid(_l("Choose a time zone from the list."))
    return value


def _uuid(value):
    if not isinstance(value, str) or not UUID_PATTERN.match(value):
        raise Invalid(_l("Use a UUID, like 3f2b6c1e-8d4a-4b9e-9a57-2c1d0e6f7a8b."))
    return value


def _reference(value):
    """The id of another row of the file (whether it is there is checked with the row)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(_l("Enter a whole number."))
    return value


CLOCK_TIME = re.compile(r"^\d\d:\d\d$")


def _times(value):
    problem = _l("Enter a list of times like [\"08:00\", \"20:00\"], at most %(max)d.",
                 max=MAX_TIMES_A_DAY)
    if not isinstance(value, list) or len(value) > MAX_TIMES_A_DAY \
            or len(set(map(str, value))) != len(value):
        raise Invalid(problem)
    for item in value:
        if not isinstance(item, str) or not CLOCK_TIME.match(item):
            raise Invalid(problem)
        try:
            time.fromisoformat(item)
        except ValueError:
            raise Invalid(problem)
    return value


def _weekdays(value):
    if not isinstance(value, list) or len(set(map(str, value))) != len(value) or any(
            isinstance(day, bool) or day not in range(7) for day in value):
        raise Invalid(_l("Enter a list of days from 0 (Monday) to 6 (Sunday)."))
    return value


def _clock_time_or_empty(value):
    if value == "":
        return value
    if not isinstance(value, str) or not CLOCK_TIME.match(value):
        raise Invalid(_l("Enter a time like 08:00 or 21:30."))
    _time_of_day(value)
    return value


def _weekday_amounts(value):
    """{"5": "0.5"}: the amount on some weekdays (0 = Monday), as Tend writes it."""
    problem = _l("Enter amounts by weekday, like {\"5\": \"0.5\"} (0 is Monday).")
    if not isinstance(value, dict) or any(key not in {str(n) for n in range(7)}
                                          for key in value):
        raise Invalid(problem)
    amount = _number(*AMOUNT_RANGE, AMOUNT_PROBLEM)
    return {key: str(amount(item)) for key, item in sorted(value.items())}


CATEGORY_VALUES = tuple(c.value for c in Category)


def _categories(value):
    if not isinstance(value, list) or not all(
            isinstance(item, str) and item in CATEGORY_VALUES for item in value):
        raise Invalid(_l("Enter a list of categories from: %(choices)s.",
                         choices=", ".join(CATEGORY_VALUES)))
    return value


def _measures(value):
    if not isinstance(value, list) or len(value) > MAX_MEASURES or not all(
            isinstance(item, str) and is_valid_measure(item) for item in value):
        raise Invalid(_l("Enter at most %(max)d measures: check-in answers or "
                         "\"side_effect:<symptom>\".", max=MAX_MEASURES))
    return value


def _goal_measure(value):
    if not isinstance(value, str) or not (value == "" or is_goal_measure(value)):
        raise Invalid(_l("Enter a check-in answer, \"side_effect:<symptom>\", "
                         "\"doses_taken\" or nothing."))
    return value


def _changed_at(value):
    if not isinstance(value, dict) or not all(
            name in CHECKIN_FIELD and isinstance(stamp, str) for name, stamp in value.items()):
        raise Invalid(_l("Enter check-in answer names with the moment each was changed."))
    for stamp in value.values():
        _moment(stamp)
    return value


def _shaped(value, keys: dict[str, Callable]) -> bool:
    return isinstance(value, dict) and set(value) == set(keys) and all(
        check(value[key]) for key, check in keys.items())


def _is_whole(low: int, high: int):
    return lambda v: not isinstance(v, bool) and isinstance(v, int) and low <= v <= high


def _is_day(value) -> bool:
    try:
        return isinstance(value, str) and bool(parse_day(value))
    except ValueError:
        return False


def _is_average(value) -> bool:
    return value is None or (not isinstance(value, bool) and isinstance(value, (int, float))
                             and -1e6 < value < 1e6)


WINDOW = {"first": _is_day, "last": _is_day, "days": _is_whole(0, 366),
          "logged": _is_whole(0, 366), "average": _is_average}
MEASURE_FIGURES = {"measure": lambda v: isinstance(v, str) and is_valid_measure(v),
                   "before": lambda v: _shaped(v, WINDOW), "after": lambda v: _shaped(v, WINDOW)}


def _figures(value):
    """What a checkpoint kept of its comparison (``decisions.Comparison.as_dict``)."""
    if not _shaped(value, {
            "window_days": _is_whole(0, max(BASELINE_CHOICES)),
            "measures": lambda v: isinstance(v, list) and len(v) <= MAX_MEASURES and all(
                _shaped(m, MEASURE_FIGURES) for m in v)}):
        raise Invalid(_l("These aren't figures as Tend keeps them with a checkpoint."))
    return value


def _scale():
    low, high = SCALE_RANGE
    return _whole(low, high, _l("Choose a number from 1 to 5."))


AMOUNT_PROBLEM = _l("Enter an amount above 0 and at most 100.")
# Rules that differ from what the column's type alone says: the forms' choices and ranges.
COLUMN_RULES: dict[tuple[str, str], Rule] = {
    ("medications", "name"): _text(120, required=True),
    ("medications", "form"): _choice(MEDICATION_FORMS),
    ("medications", "units_on_hand"): _number(*UNITS_RANGE, _l("Enter a number from 0 up.")),
    ("regimens", "strength"): _number(*STRENGTH_RANGE, _l("Enter a strength above 0.")),
    ("regimens", "strength_unit"): _choice(("",) + STRENGTH_UNITS),
    ("regimens", "amount"): _number(*AMOUNT_RANGE, AMOUNT_PROBLEM),
    ("regimens", "max_per_day"): _whole(*MAX_PER_DAY_RANGE),
    ("step_plans", "amount_before"): _number(*AMOUNT_RANGE, AMOUNT_PROBLEM),
    ("step_plans", "interval_days"): _whole(*INTERVAL_DAYS_RANGE),
    ("plan_steps", "amount"): _number(*AMOUNT_RANGE, AMOUNT_PROBLEM),
    ("plan_steps", "ordinal"): _whole(1, MAX_PLAN_STEPS),
    ("plan_steps", "checkpoint_days"): _whole(*CHECKPOINT_DAYS_RANGE),
    ("regimens", "times"): _times,
    ("regimens", "weekdays"): _weekdays,
    ("regimens", "schedule_kind"): _choice(SCHEDULE_KINDS),
    ("regimens", "interval_hours"): _whole(*INTERVAL_HOURS_RANGE),
    ("regimens", "last_time"): _clock_time_or_empty,
    ("regimens", "interval_days"): _whole(*INTERVAL_DAYS_RANGE),
    ("regimens", "cycle_on_days"): _whole(*CYCLE_DAYS_RANGE),
    ("regimens", "cycle_off_days"): _whole(*CYCLE_DAYS_RANGE),
    ("regimens", "weekday_amounts"): _weekday_amounts,
    ("regimens", "amount_unit"): _choice(("",) + AMOUNT_UNITS),
    ("regimens", "min_interval_minutes"): _whole(*MINUTES_RANGE),
    ("regimens", "follow_up_minutes"): _whole(*MINUTES_RANGE),
    ("dose_events", "helped"): _choice(HELPED_ANSWERS),
    ("planned_doses", "timezone"): _zone,
    ("dose_events", "timezone"): _zone,
    ("dose_events", "amount"): _number(*AMOUNT_RANGE, AMOUNT_PROBLEM),
    ("side_effects", "symptom"): _text(80, required=True),
    ("checkins", "sleep_hours"): _number(*HOURS_RANGE, _l("Enter hours from 0 to 24.")),
    **{("checkins", item.name): _scale() for item in CHECKIN_SCALES},
    ("checkins", "field_changed_at"): _changed_at,
    ("experiments", "title"): _text(120, required=True),
    ("experiments", "hopes"): _text(TEXT_LIMIT, required=True),
    ("experiments", "measures"): _measures,
    ("experiments", "baseline_days"): _whole_choice(BASELINE_CHOICES),
    ("experiments", "strategy"): _choice(("", *STRATEGIES)),
    ("experiment_checkpoints", "figures"): _figures,
    ("readiness_rulers", "importance"): _whole(*RULER_RANGE),
    ("readiness_rulers", "confidence"): _whole(*RULER_RANGE),
    ("appointment_notes", "text"): _text(TEXT_LIMIT, required=True),
    ("appointment_notes", "measure"): _goal_measure,
    ("appointment_notes", "direction"): _choice(("", *DIRECTIONS)),
    ("appointment_notes", "target"): _number(Decimal(0), Decimal(100),
                                             _l("Enter a number from 0 to 100.")),
    ("decision_balances", "topic"): _text(200, required=True),
    ("decision_balance_reasons", "text"): _text(500, required=True),
    ("questions", "text"): _text(TEXT_LIMIT, required=True),
    ("reminder_settings", "repeat_delay_minutes"): _whole_choice(REPEAT_DELAY_CHOICES),
    ("reminder_settings", "refill_days"): _whole_choice(REFILL_DAY_CHOICES),
    ("therapist_notes", "text"): _text(THERAPIST_NOTE_LIMIT, required=True),
    ("access_log", "categories"): _categories,
}
INT32 = (-2**31, 2**31 - 1)


def _is_users_reference(column: sa.Column) -> bool:
    return any(fk.column.table.name == "users" for fk in column.foreign_keys)


def _type_rule(kind: Kind, column: sa.Column) -> Rule:
    """The rule for a column, from ``COLUMN_RULES`` or else from its type."""
    special = COLUMN_RULES.get((kind.name, column.name))
    if special:
        return special
    if column.name == "idempotency_key":
        return _uuid
    if column.foreign_keys:
        return _reference
    kind_of = column.type
    if isinstance(kind_of, sa.Enum):
        return _choice(kind_of.enums, kind_of.enum_class)
    if isinstance(kind_of, UTCDateTime):
        return _moment
    if isinstance(kind_of, sa.Boolean):
        return _boolean
    if isinstance(kind_of, sa.Date):
        return _day
    if isinstance(kind_of, sa.Time):
        return _time_of_day
    if isinstance(kind_of, sa.Integer):
        return _whole(*INT32)
    if isinstance(kind_of, sa.String):  # Text too: without a length, the forms' long text
        return _text(kind_of.length or TEXT_LIMIT)
    raise LookupError(f"importing has no rule for {kind.name}.{column.name}: add one to "
                      "COLUMN_RULES")  # a new JSON or numeric column needs its rule spelled out


def _unique_sets(table: sa.Table) -> list[tuple[str, ...]]:
    """The column sets no two rows may share (primary key, unique constraints and indexes)."""
    sets = [tuple(c.name for c in constraint.columns) for constraint in table.constraints
            if isinstance(constraint, (sa.UniqueConstraint, sa.PrimaryKeyConstraint))]
    sets += [(c.name,) for c in table.columns if c.unique]
    sets += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    return list(dict.fromkeys(sets))


PERSON = "person"  # a column's role: it names a person (the owner, or someone else)


@dataclass(frozen=True)
class KindRules:
    kind: Kind
    columns: dict[str, sa.Column]
    references: dict[str, str]   # column -> the kind whose file ids it holds
    users: tuple[str, ...]       # columns that name a person
    unique: list[tuple[str, ...]]
    # (column name, column, rule, role): role is PERSON, a referenced kind's name, or None
    checks: tuple[tuple, ...]


def _kind_rules(kind: Kind) -> KindRules:
    columns = {c.name: c for c in kind.table.columns}
    references = {}
    for column in columns.values():
        for fk in column.foreign_keys:
            target = next((k.name for k in KINDS if k.table is fk.column.table), None)
            if target:
                references[column.name] = target
    users = tuple(c.name for c in columns.values() if _is_users_reference(c))
    checks = tuple((c.name, c, _type_rule(kind, c),
                    PERSON if c.name in users else references.get(c.name))
                   for c in columns.values())
    return KindRules(kind, columns, references, users, _unique_sets(kind.table), checks)


RULES = {kind.name: _kind_rules(kind) for kind in KINDS if kind.importable}


# --- Step 2: checking the document ----------------------------------------------------------

@dataclass
class CheckedFile:
    """A document that passed every check: rows as this server stores them, in the order they
    go in. References still hold the file's ids; ``new_ids`` maps them as rows are written."""

    source: str
    rows: dict[str, list[dict]]
    file_ids: dict[str, list]
    skipped: dict[str, int]
    timezone: str | None
    locale: str | None
    not_taken: dict[str, str]
    new_ids: dict[str, dict] = field(default_factory=dict)


@dataclass
class Imported:
    counts: dict[str, int]
    skipped: dict[str, int]
    not_taken: dict[str, str]  # account settings from the file this server can't use


def _old_user_id(kinds: dict):
    """The exporting account's id on its server, read from the first row it owns."""
    for kind in KINDS:
        for row in kinds.get(kind.name) or []:
            if kind.owner and isinstance(row, dict) and row.get(kind.owner) is not None:
                return row[kind.owner]
    return None


def _check_row(rules: KindRules, row, number: int, source: str, context: dict) -> dict:
    name = rules.kind.name
    if not isinstance(row, dict):
        raise ImportRefused(_l("Each row must be an object of fields."), source, name, number)
    if not row.keys() <= rules.columns.keys():
        unknown = next(key for key in row if key not in rules.columns)
        raise ImportRefused(_l("Tend doesn't know this field. The file may come from a newer "
                               "version."), source, name, number, str(unknown)[:40])
    values = {}
    column_name = ""
    try:
        for column_name, column, rule, role in rules.checks:
            value = row.get(column_name, MISSING)
            if value is None:
                if not column.nullable:
                    raise Invalid(_l("This can't be empty."))
            elif value is MISSING:
                value = _default(rules.kind, column, context)
            else:
                value = rule(value)
                if role is PERSON:
                    value = _person(rules.kind, column_name, value, context)
                elif role is not None and value not in context["ids"][role]:
                    raise Invalid(_l("This refers to %(kind)s %(id)s, which isn't in the file.",
                                     kind=role, id=value))
            values[column_name] = value
    except Invalid as invalid:
        raise ImportRefused(invalid.problem, source, name, number, column_name)
    return values


def _default(kind: Kind, column: sa.Column, context: dict):
    """A column the file leaves out (files from before it existed): its default."""
    if kind.name == "dose_events" and column.name == "timezone":
        return context["timezone"]  # events from before they kept their zone
    if column.default is not None:
        if isinstance(column.type, UTCDateTime):
            return context["now"]
        return column.default.arg(None) if column.default.is_callable else column.default.arg
    if column.nullable or column.primary_key:
        return None
    raise Invalid(_l("This is missing."))


def _person(kind: Kind, column_name: str, value, context: dict):
    """The client's own id stays theirs; another person (who exists only on the old server)
    becomes nobody. A row must belong to the account the file is of."""
    if column_name == kind.owner:
        if value != context["old_user_id"]:
            raise Invalid(_l("This row belongs to another account than the rest of the file."))
        return value
    return value if value == context["old_user_id"] else None


def _check_unique(rules: KindRules, rows: list[dict], source: str) -> None:
    for columns in rules.unique:
        seen = {}
        for number, row in enumerate(rows, start=1):
            key = tuple(row[c] for c in columns)
            if None in key:
                continue
            if key in seen:
                raise ImportRefused(_l("This row repeats row %(other)d (the same %(fields)s).",
                                       other=seen[key], fields=", ".join(columns)),
                                    source, rules.kind.name, number, columns[-1])
            seen[key] = number


def _account_setting(account: dict, name: str, usable: Callable[[str], bool], source: str,
                     not_taken: dict):
    value = account.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImportRefused(_l("Enter text."), source, "account", None, name)
    if usable(value):
        return value
    not_taken[name] = value[:64]
    return None


def check_document(data: dict, source: str, locales, now: datetime) -> CheckedFile:
    """Every check an import makes before it writes anything (see the module's docstring)."""
    kinds = data.get("kinds")
    if not isinstance(kinds, dict):
        raise ImportRefused(THE_FILE_IS_NOT_AN_EXPORT, source)
    known = {kind.name for kind in KINDS}
    for name, rows in kinds.items():
        if name not in known:
            raise ImportRefused(_l("This export has parts Tend doesn't know. It may come "
                                   "from a newer version."), source, str(name)[:40])
        if not isinstance(rows, list):
            raise ImportRefused(_l("This part must be a list of rows."), source, name)
        if len(rows) > ROW_LIMITS[name]:
            raise ImportRefused(_l("%(count)s rows, more than the %(limit)s that ten years of "
                                   "heavy use make.", count=format_decimal(len(rows)),
                                   limit=format_decimal(ROW_LIMITS[name])), source, name)
    account = data.get("account") or {}
    if not isinstance(account, dict):
        raise ImportRefused(THE_FILE_IS_NOT_AN_EXPORT, source, "account")
    not_taken = {}
    zone = _account_setting(account, "timezone", accounts.is_known_timezone, source, not_taken)
    locale = _account_setting(account, "locale", lambda v: v in locales, source, not_taken)
    old_user_id = _old_user_id(kinds)
    context = {"now": now, "old_user_id": old_user_id, "ids": {},
               "timezone": zone or "UTC"}
    checked, file_ids, skipped = {}, {}, {}
    for kind in KINDS:
        rows = kinds.get(kind.name) or []
        if not kind.importable:
            skipped[kind.name] = len(rows)
            continue
        rules = RULES[kind.name]
        values = [_check_row(rules, row, n, source, context)
                  for n, row in enumerate(rows, start=1)]
        _check_unique(rules, values, source)
        if "id" in rules.columns:
            file_ids[kind.name] = [row.pop("id") for row in values]
            context["ids"][kind.name] = set(file_ids[kind.name])
        checked[kind.name] = values
    return CheckedFile(source, checked, file_ids, skipped, zone, locale, not_taken)


def check_upload(filename: str, payload: bytes, locales, now: datetime | None = None
                 ) -> CheckedFile:
    data, source = read_document(filename, payload)
    return check_document(data, source, locales, now or datetime.now().astimezone())


# --- Step 3: writing in short transactions -----------------------------------------------------

def is_empty(db: Session, user: User) -> bool:
    """No record of any importable kind yet, and no import under way: an import never mixes
    with existing data."""
    return user.import_started_at is None and not any(
        db.execute(sa.select(kind.table).where(belongs_to(kind, user.id)).limit(1)).first()
        for kind in KINDS if kind.importable)


def claim(db: Session, user: User, now: datetime) -> None:
    """Mark the empty account as being imported into, in one short transaction (commits)."""
    if not is_empty(db, user):
        db.rollback()
        raise ImportRefused(_l("Import only works into an account with no records yet, so "
                               "nothing is mixed up or doubled."))
    claimed = db.execute(sa.update(User).where(User.id == user.id,
                                               User.import_started_at.is_(None))
                         .values(import_started_at=now)).rowcount
    db.commit()
    if claimed != 1:
        raise ImportRefused(_l("Another import into this account is under way."))


def batches(checked: CheckedFile):
    """(kind, rows) in the order rows go in: parents before what refers to them."""
    for kind in KINDS:
        rows = checked.rows.get(kind.name)
        for start in range(0, len(rows or []), BATCH_ROWS):
            yield kind, range(start, min(start + BATCH_ROWS, len(rows)))


def _reserve_ids(db: Session, table: sa.Table, count: int) -> list[int]:
    """``count`` new ids for the table, taken in the current transaction.

    Rows are inserted with their ids given, as one ``executemany``: asking the database for
    each row's id instead (RETURNING, in order) makes SQLite insert them one by one. On
    PostgreSQL the ids come from the column's sequence; on SQLite, which has one writer at a
    time, they follow the highest id (a clash could only fail the batch, never mix rows)."""
    if db.get_bind().dialect.name == "postgresql":
        return list(db.scalars(sa.text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
            "FROM generate_series(1, :count)"), {"table": table.name, "count": count}))
    first = db.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) + 1
    return list(range(first, first + count))


def insert_batch(db: Session, kind: Kind, rows: list[dict]) -> list | None:
    """Insert rows of one kind in one statement; their new ids in the rows' order."""
    table = kind.table
    new_ids = None
    if "id" in table.c:
        new_ids = _reserve_ids(db, table, len(rows))
        for row, new_id in zip(rows, new_ids):
            row["id"] = new_id
    db.execute(sa.insert(table), rows)
    return new_ids


def write_batch(db: Session, checked: CheckedFile, kind: Kind, positions: range,
                user: User) -> None:
    """One batch of rows, with the file's ids turned into this server's, in its own
    transaction (commits)."""
    rules = RULES[kind.name]
    rows = []
    for position in positions:
        row = dict(checked.rows[kind.name][position])
        for column_name in rules.users:
            if row[column_name] is not None:
                row[column_name] = user.id
        for column_name, target in rules.references.items():
            if row[column_name] is not None:
                row[column_name] = checked.new_ids[target][row[column_name]]
        rows.append(row)
    new_ids = insert_batch(db, kind, rows)
    db.commit()
    if new_ids is not None:
        file_ids = checked.file_ids[kind.name]
        mapping = checked.new_ids.setdefault(kind.name, {})
        for position, new_id in zip(positions, new_ids):
            mapping[file_ids[position]] = new_id


def _finish(db: Session, user: User, checked: CheckedFile) -> None:
    values = {"import_started_at": None}
    if checked.timezone:
        values["timezone"] = checked.timezone
    if checked.locale:
        values["locale"] = checked.locale
    db.execute(sa.update(User).where(User.id == user.id).values(**values))
    db.commit()


def write(db: Session, user: User, checked: CheckedFile, now: datetime) -> Imported:
    """Write a checked file into the user's empty account (see the module's docstring)."""
    claim(db, user, now)
    pause = PAUSE_BETWEEN_BATCHES if db.get_bind().dialect.name == "sqlite" else 0
    try:
        for kind, positions in batches(checked):
            write_batch(db, checked, kind, positions, user)
            if pause:
                timer.sleep(pause)
        _finish(db, user, checked)
    except sa.exc.SQLAlchemyError:
        db.rollback()
        discard(db, user)
        raise ImportRefused(_l("Tend couldn't finish writing your record, so it removed what "
                               "it had written. Please try again in a moment."),
                            checked.source)
    except BaseException:
        db.rollback()
        discard(db, user)
        raise
    db.expire(user)
    return Imported({name: len(rows) for name, rows in checked.rows.items()},
                    checked.skipped, checked.not_taken)


def import_upload(db: Session, user: User, filename: str, payload: bytes, now: datetime,
                  locales) -> Imported:
    """Check the uploaded file, then write it. Ends the caller's transaction first: nothing
    holds the database's write lock while the file is read and checked."""
    db.commit()
    if not is_empty(db, user):
        db.rollback()
        raise ImportRefused(_l("Import only works into an account with no records yet, so "
                               "nothing is mixed up or doubled."))
    db.rollback()
    checked = check_upload(filename, payload, locales, now)
    return write(db, user, checked, now)


# --- Taking an import out again -------------------------------------------------------------

def discard(db: Session, user: User) -> None:
    """Remove every record of the account and lift the claim, in short transactions (each
    commits). Only for an account being imported into: it was empty when the import began."""
    for kind in reversed(KINDS):
        if not kind.importable or not kind.owner:
            continue  # not brought in, or removed with the rows it hangs from
        table = kind.table
        owned = table.c[kind.owner] == user.id
        if "id" not in table.c:
            deletion.remove_rows(db, table, owned)
            db.commit()
            continue
        while ids := list(db.scalars(sa.select(table.c.id).where(owned).limit(BATCH_ROWS))):
            deletion.remove_rows(db, table, table.c.id.in_(ids))
            db.commit()
    db.execute(sa.update(User).where(User.id == user.id).values(import_started_at=None))
    db.commit()
    db.expire(user)


def is_importing(user: User) -> bool:
    return user.import_started_at is not None


def discard_interrupted(db: Session, user: User, now: datetime) -> bool:
    """If an import into the account was cut off (its claim outlived ``IMPORT_LEASE``),
    remove what it wrote; True if it did."""
    if user.import_started_at is None or now - user.import_started_at < IMPORT_LEASE:
        return False
    discard(db, user)
    return True
