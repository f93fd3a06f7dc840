"""The client's data, theirs to take: a ZIP of JSON and CSV files, and the JSON file imported
into an empty account on another Tend server with nothing lost.

Tables are walked generically: every column of every kind below is written, so a column added
to a model is exported (and imported) without touching this module; ``docs/EXPORT.md``
documents each one and a test checks that the document and the columns agree. Ids in the
files are the ids on the server that wrote them; import gives rows new ids and follows every
reference to them."""
import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from models import (AccessLogEntry, AppointmentNote, Balance, BalanceReason, CareLink,
                    CaregiverAlertSettings, CheckIn, CheckinReminder, Checkpoint, DoseEvent,
                    Experiment, Grant, HelpContact, HelpSettings, Medication,
                    MedicationReminder, PlannedDose, Question, Regimen, ReminderSettings,
                    SideEffect, TherapistNote, User, UTCDateTime, side_effect_medications)
from tend.services import accounts

FORMAT = "tend-export"
VERSION = 1
JSON_NAME = "tend.json"
MAX_JSON_BYTES = 64 * 1024 * 1024  # a ZIP may not unpack into more than this


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
    Kind("appointment_notes", AppointmentNote.__table__, owner="client_id"),
    Kind("decision_balances", Balance.__table__, owner="client_id"),
    Kind("decision_balance_reasons", BalanceReason.__table__,
         parent=("balance_id", "decision_balances")),
    Kind("questions", Question.__table__, owner="client_id"),
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
]
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
KIND_OF_TABLE = {kind.table.name: kind for kind in KINDS}
ACCOUNT_FIELDS = ("display_name", "email", "timezone", "locale", "created_at")


class ImportRefused(Exception):
    """The file can't be imported; ``message`` says why in words a person can act on."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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


def to_csv_value(column: sa.Column, value) -> str:
    value = to_json_value(column, value)
    if value is None:
        return ""
    if isinstance(column.type, sa.JSON):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- Export ---------------------------------------------------------------------------------

def _belongs_to(kind: Kind, user_id: int):
    """SQL condition: the kind's rows that belong to the user (through parents if need be)."""
    if kind.owner:
        return kind.table.c[kind.owner] == user_id
    column, parent_name = kind.parent
    parent = KINDS_BY_NAME[parent_name]
    return kind.table.c[column].in_(
        sa.select(parent.table.c.id).where(_belongs_to(parent, user_id)))


def rows_of(db: Session, kind: Kind, user_id: int) -> list[dict]:
    """The kind's rows of the user, as database values, in primary-key order."""
    order = list(kind.table.primary_key.columns)
    result = db.execute(sa.select(kind.table).where(_belongs_to(kind, user_id)).order_by(*order))
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


def _csv_text(kind: Kind, rows: list[dict]) -> str:
    columns = columns_of(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([to_csv_value(c, from_json_value(c, row[c.name])) for c in columns])
    return out.getvalue()


def export_zip(db: Session, user: User, now: datetime, readme: str) -> bytes:
    """A ZIP with ``tend.json`` (everything, importable), one CSV per kind, and the README."""
    data = export_data(db, user, now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, json.dumps(data, ensure_ascii=False, indent=1))
        for kind in KINDS:
            # A byte-order mark so spreadsheet programs read the text as UTF-8.
            archive.writestr(f"csv/{kind.name}.csv",
                             "\ufeff" + _csv_text(kind, data["kinds"][kind.name]))
        archive.writestr("README.md", readme)
    return buffer.getvalue()


# --- Import ---------------------------------------------------------------------------------

def read_upload(filename: str, payload: bytes) -> dict:
    """The export document from an uploaded ZIP (as Tend writes it) or a bare JSON file."""
    text = None
    if zipfile.is_zipfile(io.BytesIO(payload)):
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            try:
                info = archive.getinfo(JSON_NAME)
            except KeyError:
                raise ImportRefused(_l("This ZIP has no tend.json in it. Choose the ZIP "
                                       "file Tend made, or the tend.json inside it."))
            if info.file_size > MAX_JSON_BYTES:
                raise ImportRefused(_l("This file is too large to import."))
            text = archive.read(info)
    else:
        text = payload
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ImportRefused(_l("This isn't a Tend export: choose the ZIP file Tend made, "
                               "or the tend.json inside it."))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused(_l("This isn't a Tend export: choose the ZIP file Tend made, "
                               "or the tend.json inside it."))
    if data.get("version") != VERSION:
        raise ImportRefused(_l("This export comes from a different version of Tend and can't "
                               "be read here."))
    return data


def is_empty(db: Session, user: User) -> bool:
    """No record of any importable kind yet: an import never mixes with existing data."""
    return not any(
        db.execute(sa.select(kind.table).where(_belongs_to(kind, user.id)).limit(1)).first()
        for kind in KINDS if kind.importable)


@dataclass
class Imported:
    counts: dict[str, int]
    skipped: dict[str, int]


def _users_fk(column: sa.Column) -> bool:
    return any(fk.column.table.name == "users" for fk in column.foreign_keys)


def _referenced_kind(column: sa.Column) -> Kind | None:
    for fk in column.foreign_keys:
        kind = KIND_OF_TABLE.get(fk.column.table.name)
        if kind is not None:
            return kind
    return None


def _row_values(kind: Kind, row: dict, user: User, old_user_id, id_maps: dict) -> dict:
    """One row of the file as values for this server: ids of the file's rows mapped to the new
    ones; the client's own id to the new account; other people (who exist only on the old
    server) to nothing. Their names, where a table keeps one, stay."""
    if not isinstance(row, dict):
        raise ImportRefused(_l("Part of this file is damaged (%(kind)s).", kind=kind.name))
    unknown = set(row) - {c.name for c in kind.table.columns}
    if unknown:
        raise ImportRefused(_l("This export has fields Tend doesn't know (%(kind)s). It may "
                               "come from a newer version.", kind=kind.name))
    values = {}
    for column in columns_of(kind):
        if column.name == "id" or column.name not in row:
            continue
        value = from_json_value(column, row[column.name])
        if value is not None and _users_fk(column):
            value = user.id if value == old_user_id else None
        elif value is not None and column.foreign_keys:
            target = _referenced_kind(column)
            value = id_maps.get(target.name, {}).get(value) if target else None
            if value is None and not column.nullable:
                raise ImportRefused(_l("Part of this file is damaged (%(kind)s).",
                                       kind=kind.name))
        values[column.name] = value
    return values


def import_data(db: Session, user: User, data: dict) -> Imported:
    """Add every record of the document to ``user``'s empty account, in one transaction
    (the caller commits; on any error nothing is kept)."""
    if not is_empty(db, user):
        raise ImportRefused(_l("Import only works into an account with no records yet, so "
                               "nothing is mixed up or doubled."))
    kinds = data.get("kinds")
    if not isinstance(kinds, dict) or set(kinds) - set(KINDS_BY_NAME):
        raise ImportRefused(_l("This export has parts Tend doesn't know. It may come from a "
                               "newer version."))
    old_user_id = _old_user_id(data)
    id_maps: dict[str, dict] = {}
    counts, skipped = {}, {}
    try:
        for kind in KINDS:
            rows = kinds.get(kind.name) or []
            if not kind.importable:
                skipped[kind.name] = len(rows)
                continue
            id_maps[kind.name] = {}
            for row in rows:
                values = _row_values(kind, row, user, old_user_id, id_maps)
                if kind.name == "dose_events":  # files from before events kept their zone
                    values.setdefault("timezone", _file_timezone(data, user))
                result = db.execute(sa.insert(kind.table).values(**values))
                if "id" in kind.table.c:
                    id_maps[kind.name][row["id"]] = result.inserted_primary_key[0]
            counts[kind.name] = len(rows)
    except (ValueError, TypeError, KeyError, sa.exc.IntegrityError):
        raise ImportRefused(_l("Part of this file is damaged and it can't be imported. "
                               "Nothing was changed."))
    account = data.get("account") or {}
    if accounts.is_known_timezone(account.get("timezone") or ""):
        user.timezone = account["timezone"]
    if account.get("locale"):
        user.locale = account["locale"]
    db.flush()
    return Imported(counts, skipped)


def _file_timezone(data: dict, user: User) -> str:
    zone = (data.get("account") or {}).get("timezone") or ""
    return zone if accounts.is_known_timezone(zone) else user.timezone


def _old_user_id(data: dict):
    """The exporting account's id on its server, read from the rows it owns."""
    for kind in KINDS:
        for row in (data.get("kinds") or {}).get(kind.name) or []:
            if kind.owner and isinstance(row, dict) and row.get(kind.owner) is not None:
                return row[kind.owner]
    return None
