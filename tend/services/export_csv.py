"""The CSV files of the export: the client's record as spreadsheets a person can read.

``tend.json`` is the lossless, importable copy; these files are for reading. Each names what
a row points at (the medication, the person) instead of giving its number, writes moments as
local date and time with the zone they are in (a logged dose in the zone it was taken in,
everything else in the client's zone), leaves out internal keys, and cannot be read as a
formula by a spreadsheet program. ``docs/EXPORT.md`` describes every file and column, and a
test checks that it and ``FILES`` agree."""
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from models import (AccessLogEntry, AppointmentNote, Balance, BalanceReason, CareLink,
                    CaregiverAlertSettings, CheckIn, CheckinReminder, Checkpoint, DoseEvent,
                    Expectation, Experiment, Grant, Medication, MedicationReminder, PlannedDose,
                    PlanStep, Question, Regimen, ReminderSettings, Ruler, SideEffect, StepPlan,
                    TherapistNote, User)
from models.journal import CHECKIN_FIELDS

# A text cell starting with one of these is read as a formula by spreadsheet programs (OWASP,
# "CSV Injection"); such a cell is written with a leading apostrophe, which they show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def safe_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value) -> str:
    """One value as CSV text. Only text can be a formula: numbers (a negative one included)
    are written as numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):  # an enum: its code, as documented
        return value.value
    return safe_text(str(value))


@dataclass
class Names:
    """What rows point at, by number, and the client's own time zone."""

    zone: str
    medications: dict[int, str]
    people: dict[int, str]
    experiments: dict[int, str]
    balances: dict[int, str]
    links: dict[int, str]
    plans: dict[int, str]

    def local(self, moment: datetime | None, zone: str | None = None) -> str | None:
        """A moment as local date and time in ``zone`` (the client's when not given)."""
        if moment is None:
            return None
        return moment.astimezone(ZoneInfo(zone or self.zone)).strftime("%Y-%m-%d %H:%M")

    def person(self, user_id: int | None) -> str | None:
        return self.people.get(user_id) if user_id is not None else None


def _names(db: Session, user: User) -> Names:
    people = sa.union(
        sa.select(DoseEvent.logged_by_id).where(DoseEvent.client_id == user.id),
        sa.select(CareLink.supporter_id).where(CareLink.client_id == user.id))
    return Names(
        zone=user.timezone,
        medications=dict(db.execute(sa.select(Medication.id, Medication.name)
                                    .where(Medication.client_id == user.id)).all()),
        people=dict(db.execute(sa.select(User.id, User.display_name)
                               .where(User.id.in_(people))).all()),
        experiments=dict(db.execute(sa.select(Experiment.id, Experiment.title)
                                    .where(Experiment.client_id == user.id)).all()),
        balances=dict(db.execute(sa.select(Balance.id, Balance.topic)
                                 .where(Balance.client_id == user.id)).all()),
        links=dict(db.execute(sa.select(CareLink.id, CareLink.invitee_name)
                              .where(CareLink.client_id == user.id)).all()),
        plans={plan.id: f"{plan.medication.name} {plan.kind.value} "
                        f"{plan.created_at.astimezone(ZoneInfo(user.timezone)).date()}"
               for plan in db.scalars(sa.select(StepPlan).where(StepPlan.client_id == user.id)
                                      .options(selectinload(StepPlan.medication)))})


Getter = Callable[[object, Names], object]


@dataclass(frozen=True)
class CsvFile:
    """One file: which rows (``rows(user_id)``, a query in the order written) and, per
    column, its header and how a row gives its value."""

    name: str
    rows: Callable[[int], sa.Select]
    columns: tuple[tuple[str, Getter], ...]

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]


def _field(name: str) -> tuple[str, Getter]:
    return name, lambda row, names: getattr(row, name)


def _fields(*names: str) -> tuple[tuple[str, Getter], ...]:
    return tuple(_field(name) for name in names)


def _moments(*names: str) -> tuple[tuple[str, Getter], ...]:
    """Moments in the client's zone, followed by the zone they are written in."""
    return tuple((name, lambda row, n, name=name: n.local(getattr(row, name)))
                 for name in names) + (("time_zone", lambda row, n: n.zone),)


def _medication(row, names: Names) -> str | None:
    return names.medications.get(row.medication_id)


def _of_client(model):
    return lambda user_id: sa.select(model).where(model.client_id == user_id).order_by(model.id)


def _of_medications(model, order):
    return lambda user_id: (sa.select(model).join(Medication, model.medication_id == Medication.id)
                            .where(Medication.client_id == user_id).order_by(*order))


def _dose_scheduled_for(event: DoseEvent, names: Names) -> str | None:
    planned = event.planned_dose
    if planned is None:
        return None
    return f"{planned.local_date.isoformat()} {planned.local_time.strftime('%H:%M')}"


FILES = (
    CsvFile("medications", _of_client(Medication), (
        _field("name"), _field("form"), _field("kind"), _field("purpose"),
        _field("prescriber"), _field("started_on"), _field("ended_on"), _field("end_reason"),
        _field("status"), _field("units_on_hand"), *_moments("created_at"))),
    CsvFile("regimens", _of_medications(Regimen, (Regimen.medication_id, Regimen.valid_from)), (
        ("medication", _medication), _field("change"), *_moments("valid_from", "valid_to"),
        *_fields("strength", "strength_unit", "amount", "as_needed", "max_per_day"),
        ("times", lambda row, n: ", ".join(row.times or [])),
        ("weekdays", lambda row, n: ", ".join(WEEKDAYS[day] for day in row.weekdays or [])),
        _field("note"),
        *_fields("schedule_kind", "interval_hours", "last_time", "interval_days",
                 "cycle_on_days", "cycle_off_days", "anchor_on"),
        ("weekday_amounts", lambda row, n: ", ".join(
            f"{WEEKDAYS[int(day)]} {amount}"
            for day, amount in sorted((row.weekday_amounts or {}).items()))),
        *_fields("amount_unit", "amount_words", "reason", "min_interval_minutes",
                 "follow_up_minutes"))),
    CsvFile("step_plans", _of_client(StepPlan), (
        ("plan", lambda row, n: n.plans.get(row.id)), ("medication", _medication),
        *_fields("kind", "status", "interval_days", "amount_before", "paused_on"),
        *_moments("created_at", "ended_at"))),
    CsvFile("plan_steps", lambda user_id: (
        sa.select(PlanStep).join(StepPlan).where(StepPlan.client_id == user_id)
        .order_by(PlanStep.plan_id, PlanStep.ordinal)), (
        ("plan", lambda row, n: n.plans.get(row.plan_id)),
        *_fields("ordinal", "amount", "starts_on", "checkpoint_days"),
        ("scheduled", lambda row, n: row.regimen_id is not None))),
    CsvFile("medication_reminders",
            _of_medications(MedicationReminder, (MedicationReminder.medication_id,)), (
                ("medication", _medication), _field("enabled"), _field("repeat"))),
    CsvFile("planned_doses", lambda user_id: sa.select(PlannedDose).where(
        PlannedDose.client_id == user_id).order_by(PlannedDose.due_at, PlannedDose.id), (
        ("medication", _medication), _field("local_date"), _field("local_time"),
        ("time_zone", lambda row, n: row.timezone))),
    CsvFile("dose_events", lambda user_id: sa.select(DoseEvent).where(
        DoseEvent.client_id == user_id).options(selectinload(DoseEvent.planned_dose))
        .order_by(DoseEvent.occurred_at, DoseEvent.id), (
        ("medication", _medication), _field("status"),
        ("occurred_at", lambda row, n: n.local(row.occurred_at, row.timezone)),
        ("time_zone", lambda row, n: row.timezone),
        ("scheduled_for", _dose_scheduled_for),
        *_fields("skip_reason", "amount", "note"),
        ("logged_at", lambda row, n: n.local(row.logged_at, row.timezone)),
        ("logged_by", lambda row, n: None if row.logged_by_id == row.client_id
         else n.person(row.logged_by_id)),
        ("follow_up_at", lambda row, n: n.local(row.follow_up_at, row.timezone)
         if row.follow_up_at else None),
        _field("helped"))),
    CsvFile("side_effects", lambda user_id: _of_client(SideEffect)(user_id).options(
        selectinload(SideEffect.medications)), (
        *_fields("symptom", "severity", "started_on", "ended_on"),
        ("medications", lambda row, n: ", ".join(sorted(med.name for med in row.medications))),
        _field("note"), *_moments("created_at"))),
    CsvFile("checkins", lambda user_id: sa.select(CheckIn).where(
        CheckIn.client_id == user_id).order_by(CheckIn.local_date), (
        _field("local_date"), *_fields(*(item.name for item in CHECKIN_FIELDS)),
        *_moments("created_at", "updated_at"))),
    CsvFile("experiments", _of_client(Experiment), (
        _field("title"), ("medication", _medication), _field("kind"), _field("changed_on"),
        _field("hopes"), _field("worries"),
        ("measures", lambda row, n: ", ".join(row.measures or [])),
        _field("baseline_days"), *_fields("strategy", "agreed_with", "agreed_on"),
        *_moments("created_at", "ended_at"))),
    CsvFile("experiment_checkpoints", lambda user_id: (
        sa.select(Checkpoint).join(Experiment).where(Experiment.client_id == user_id)
        .order_by(Checkpoint.experiment_id, Checkpoint.due_on)), (
        ("experiment", lambda row, n: n.experiments.get(row.experiment_id)),
        *_fields("due_on", "verdict", "reflection", "next_step"), *_moments("completed_at"))),
    CsvFile("readiness_rulers", lambda user_id: (
        sa.select(Ruler).join(Experiment).where(Experiment.client_id == user_id)
        .options(selectinload(Ruler.experiment))
        .order_by(Ruler.experiment_id, Ruler.id)), (
        ("experiment", lambda row, n: n.experiments.get(row.experiment_id)),
        ("at", lambda row, n: "start" if row.checkpoint_id is None else "checkpoint"),
        ("checkpoint_due_on", lambda row, n: next(
            (c.due_on for c in row.experiment.checkpoints if c.id == row.checkpoint_id), None)),
        *_fields("importance", "importance_reason", "confidence", "confidence_reason"),
        *_moments("recorded_at"))),
    CsvFile("expectations", _of_client(Expectation), (
        ("experiment", lambda row, n: n.experiments.get(row.experiment_id)),
        ("medication", _medication),
        *_fields("said_by", "effects", "side_effects", "when_to_call", "by_when"),
        *_moments("updated_at"))),
    CsvFile("appointment_notes", _of_client(AppointmentNote), (
        _field("kind"), _field("text"), *_fields("measure", "direction", "target"),
        *_moments("created_at", "done_at"))),
    CsvFile("decision_balances", _of_client(Balance), (
        _field("topic"), *_moments("created_at", "done_at"))),
    CsvFile("decision_balance_reasons", lambda user_id: (
        sa.select(BalanceReason).join(Balance).where(Balance.client_id == user_id)
        .order_by(BalanceReason.balance_id, BalanceReason.id)), (
        ("decision", lambda row, n: n.balances.get(row.balance_id)), _field("side"),
        _field("text"), *_moments("created_at"))),
    CsvFile("questions", _of_client(Question), (
        _field("text"), _field("answer"), *_moments("created_at", "asked_at", "answered_at"))),
    CsvFile("reminder_settings", lambda user_id: sa.select(ReminderSettings).where(
        ReminderSettings.user_id == user_id), _fields(
        "show_names", "quiet_start", "quiet_end", "repeat_delay_minutes", "refill_days")),
    CsvFile("checkin_reminders", lambda user_id: sa.select(CheckinReminder).where(
        CheckinReminder.user_id == user_id), _fields("enabled", "local_time")),
    CsvFile("therapist_notes", _of_client(TherapistNote), (
        ("therapist", lambda row, n: row.therapist_name), _field("text"),
        *_moments("created_at", "edited_at"))),
    CsvFile("access_log", lambda user_id: sa.select(AccessLogEntry).where(
        AccessLogEntry.client_id == user_id).order_by(AccessLogEntry.at, AccessLogEntry.id), (
        *_moments("at"), ("person", lambda row, n: row.viewer_name), _field("action"),
        ("categories", lambda row, n: ", ".join(row.categories or [])), _field("page"),
        _field("detail"))),
    CsvFile("care_links", _of_client(CareLink), (
        ("name", lambda row, n: row.invitee_name),
        ("account_name", lambda row, n: n.person(row.supporter_id)), _field("role"),
        _field("status"), *_moments("created_at", "expires_at", "accepted_at", "ended_at"))),
    CsvFile("grants", lambda user_id: (
        sa.select(Grant).join(CareLink).where(CareLink.client_id == user_id)
        .order_by(Grant.care_link_id, Grant.id)), (
        ("person", lambda row, n: n.links.get(row.care_link_id)),
        *_fields("category", "from_date", "until_date"), *_moments("created_at"))),
    CsvFile("caregiver_alert_settings", lambda user_id: (
        sa.select(CaregiverAlertSettings).join(CareLink).where(CareLink.client_id == user_id)
        .order_by(CaregiverAlertSettings.care_link_id)), (
        ("caregiver", lambda row, n: n.links.get(row.care_link_id)),
        _field("delay_minutes"), _field("paused"))),
)


def csv_files(db: Session, user: User) -> dict[str, str]:
    """Every file's text by its path in the ZIP, with a byte-order mark so spreadsheet
    programs read it as UTF-8."""
    names = _names(db, user)
    files = {}
    for spec in FILES:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(spec.header)
        for row in db.scalars(spec.rows(user.id)):
            writer.writerow([cell(value(row, names)) for _, value in spec.columns])
        files[f"csv/{spec.name}.csv"] = "\ufeff" + out.getvalue()
    return files
