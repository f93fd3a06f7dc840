"""The client's data, theirs to take: a ZIP of JSON and CSV files, and the JSON file imported
into an empty account on another Tend server with nothing lost. The CSV files, written for
reading rather than import, come from ``export_csv``.

Tables are walked generically: every column of every kind below is written, so a column added
to a model is exported (and imported) without touching this module; ``docs/EXPORT.md``
documents each one and a test checks that the document and the columns agree. Ids in the
files are the ids on the server that wrote them; import gives rows new ids and follows every
reference to them (``tend.services.importing``)."""
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (AccessLogEntry, AppointmentNote, Balance, BalanceReason, CareLink,
                    CaregiverAlertSettings, CheckIn, CheckinReminder, Checkpoint, DoseEvent,
                    Expectation, Experiment, Grant, HelpContact, HelpSettings, Medication,
                    MedicationReminder, PlannedDose, PlanStep, PlanStepVersion, Question, Regimen,
                    ReminderSettings, Ruler, SafetyPlan, SafetyPlanItem, SideEffect, StepPlan,
                    TherapistNote, User,
                    UTCDateTime, side_effect_medications)
from models.update import CaregiverObservation, PrescriberUpdate
from tend.services import export_csv

FORMAT = "tend-export"
VERSION = 1
JSON_NAME = "tend.json"


@dataclass(frozen=True)
class Kind:
    """One kind of record: a table, and how its rows belong to the client.

    ``owner`` names the column holding the client's id; ``parent`` is (column, kind) for rows
    that hang from another kind's rows. ``importable`` is False for what must not be carried
    to another server: who the client shares with (people and invitations exist only on this
    server; sharing starts afresh there, chosen again by the client)."""

    name: str
    table: sa.Table
    owner: str | None = None
    parent: tuple[str, str] | None = None
    importable: bool = True
    omit: tuple[str, ...] = ()


KINDS = [
    Kind("medications", Medication.__table__, owner="client_id"),
    Kind("regimens", Regimen.__table__, parent=("medication_id", "medications")),
    Kind("step_plans", StepPlan.__table__, owner="client_id"),
    Kind("plan_steps", PlanStep.__table__, parent=("plan_id", "step_plans")),
    Kind("plan_step_versions", PlanStepVersion.__table__, parent=("step_id", "plan_steps")),
    Kind("medication_reminders", MedicationReminder.__table__,
         parent=("medication_id", "medications")),
    Kind("planned_doses", PlannedDose.__table__, owner="client_id"),
    Kind("dose_events", DoseEvent.__table__, owner="client_id"),
    Kind("side_effects", SideEffect.__table__, owner="client_id"),
    Kind("side_effect_medications", side_effect_medications,
         parent=("side_effect_id", "side_effects")),
    Kind("checkins", CheckIn.__table__, owner="client_id"),
    Kind("experiments", Experiment.__table__, owner="client_id"),
    Kind("experiment_checkpoints", Checkpoint.__table__, parent=("experiment_id", "experiments")),
    Kind("readiness_rulers", Ruler.__table__, parent=("experiment_id", "experiments")),
    Kind("expectations", Expectation.__table__, owner="client_id"),
    Kind("appointment_notes", AppointmentNote.__table__, owner="client_id"),
    Kind("decision_balances", Balance.__table__, owner="client_id"),
    Kind("decision_balance_reasons", BalanceReason.__table__,
         parent=("balance_id", "decision_balances")),
    Kind("questions", Question.__table__, owner="client_id"),
    Kind("safety_plans", SafetyPlan.__table__, owner="client_id"),
    Kind("safety_plan_items", SafetyPlanItem.__table__, parent=("plan_id", "safety_plans")),
    Kind("reminder_settings", ReminderSettings.__table__, owner="user_id"),
    Kind("checkin_reminders", CheckinReminder.__table__, owner="user_id"),
    Kind("help_contacts", HelpContact.__table__, owner="client_id"),
    Kind("help_settings", HelpSettings.__table__, owner="client_id"),
    Kind("therapist_notes", TherapistNote.__table__, owner="client_id"),
    Kind("access_log", AccessLogEntry.__table__, owner="client_id"),
    Kind("care_links", CareLink.__table__, owner="client_id", importable=False,
         omit=("invite_code_hash",)),
    Kind("grants", Grant.__table__, parent=("care_link_id", "care_links"), importable=False),
    Kind("caregiver_alert_settings", CaregiverAlertSettings.__table__,
         parent=("care_link_id", "care_links"), importable=False),
    # Written by a therapist or a caregiver through a link: read with it, not imported.
    Kind("prescriber_updates", PrescriberUpdate.__table__, owner="client_id", importable=False),
    Kind("caregiver_observations", CaregiverObservation.__table__, owner="client_id",
         importable=False),
]
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
KIND_OF_TABLE = {kind.table.name: kind for kind in KINDS}
ACCOUNT_FIELDS = ("display_name", "email", "timezone", "locale", "created_at")


def columns_of(kind: Kind) -> list[sa.Column]:
    return [column for column in kind.table.columns if column.name not in kind.omit]


# --- Values ---------------------------------------------------------------------------------

def to_json_value(column: sa.Column, value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "value") and isinstance(column.type, sa.Enum):
        return value.value
    return value


def from_json_value(column: sa.Column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return time.fromisoformat(value)
    if isinstance(kind, sa.Numeric):
        return Decimal(str(value))
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    return value


# --- Export ---------------------------------------------------------------------------------

def belongs_to(kind: Kind, user_id: int):
    """SQL condition: the kind's rows that belong to the user (through parents if need be)."""
    if kind.owner:
        return kind.table.c[kind.owner] == user_id
    column, parent_name = kind.parent
    parent = KINDS_BY_NAME[parent_name]
    return kind.table.c[column].in_(
        sa.select(parent.table.c.id).where(belongs_to(parent, user_id)))


def rows_of(db: Session, kind: Kind, user_id: int) -> list[dict]:
    """The kind's rows of the user, as database values, in primary-key order."""
    order = list(kind.table.primary_key.columns)
    result = db.execute(sa.select(kind.table).where(belongs_to(kind, user_id)).order_by(*order))
    return [dict(row._mapping) for row in result]


def export_data(db: Session, user: User, now: datetime) -> dict:
    """Everything of the client as one JSON-ready document."""
    kinds = {}
    for kind in KINDS:
        columns = columns_of(kind)
        kinds[kind.name] = [{c.name: to_json_value(c, row[c.name]) for c in columns}
                            for row in rows_of(db, kind, user.id)]
    account = {name: getattr(user, name) for name in ACCOUNT_FIELDS}
    account["created_at"] = account["created_at"].isoformat()
    return {"format": FORMAT, "version": VERSION, "exported_at": now.isoformat(),
            "account": account, "kinds": kinds}


def export_zip(db: Session, user: User, now: datetime, readme: str) -> bytes:
    """A ZIP with ``tend.json`` (everything, importable), the CSV files and the README."""
    data = export_data(db, user, now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, json.dumps(data, ensure_ascii=False, indent=1))
        for path, text in export_csv.csv_files(db, user).items():
            archive.writestr(path, text)
        archive.writestr("README.md", readme)
    return buffer.getvalue()
