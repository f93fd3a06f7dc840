"""The OpenAPI 3 description of the client-record API, served at /api/v1/openapi.json.

Kept next to the routes and checked by tests: the document validates as OpenAPI 3.0 and a
schema-driven fuzzer (schemathesis) finds no response that breaks it."""
from flask import jsonify

from models.journal import (CHECKIN_FIELDS, HOURS_RANGE, NOTE_LIMIT, SCALE_RANGE, AnswerKind,
                            CheckinField)
from models.medication import SkipReason
from tend.api import bp
from tend.api.form_schema import (DATE_PATTERN, STORABLE_TEXT, form_schema,
                                  with_number_text)
from tend.auth.forms import ProfileForm
from tend.services import accounts
from models.medication import HELPED_ANSWERS, SCHEDULE_KINDS
from tend.client.forms import (DAY_NAMES, ChangeDoseForm, DoseForm, HelpedForm, MedicationForm,
                               RefillForm, SideEffectForm, StopForm)

# Rules that depend on today or on the record, which a schema cannot state: each request body
# names them (``x-record-rules``, field: rule) and a refusal under one names that field.
ON_OR_BEFORE_TODAY = "On or before today in the client's time zone."

UUID = {"type": "string", "format": "uuid", "description": "Made by the client; the same key "
        "twice creates one record and returns it."}
DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
MOMENT = {"type": "string", "format": "date-time"}
NULLABLE_DATE = {"type": "string", "format": "date", "nullable": True}  # in answers
TEXT = {"type": "string"}


def _obj(properties: dict, required: list[str] | None = None, strict: bool = False) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if strict:
        schema["additionalProperties"] = False
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


REGIMEN = _obj({
    "id": {"type": "integer"},
    "change": {"type": "string", "enum": ["start", "change", "pause", "resume"]},
    "valid_from": MOMENT, "valid_to": {**MOMENT, "nullable": True},
    "strength": {"type": "number", "nullable": True}, "strength_unit": TEXT,
    "amount": {"type": "number"}, "as_needed": {"type": "boolean"},
    "max_per_day": {"type": "integer", "nullable": True},
    "times": {"type": "array", "items": TEXT},
    "weekdays": {"type": "array", "items": {"type": "integer"}}, "note": TEXT,
    "schedule_kind": {"type": "string", "enum": list(SCHEDULE_KINDS),
                      "description": "every_hours: `times` are the times it gives."},
    "interval_hours": {"type": "integer", "nullable": True}, "last_time": TEXT,
    "interval_days": {"type": "integer", "nullable": True},
    "cycle_on_days": {"type": "integer", "nullable": True},
    "cycle_off_days": {"type": "integer", "nullable": True},
    "anchor_on": {**NULLABLE_DATE, "description": "The first day every_days and cycles "
                                                   "count from."},
    "weekday_amounts": {"type": "object", "additionalProperties": {"type": "number"},
                        "description": "Another amount on some weekdays (\"0\" is Monday)."},
    "amount_unit": TEXT, "amount_words": TEXT, "reason": TEXT,
    "min_interval_minutes": {"type": "integer", "nullable": True},
    "follow_up_minutes": {"type": "integer", "nullable": True},
}, ["id", "change", "valid_from", "valid_to", "amount", "as_needed", "times", "weekdays",
    "schedule_kind"])

MEDICATION_SUMMARY = _obj({
    "id": {"type": "integer"}, "name": TEXT, "strength": {"type": "number", "nullable": True},
    "unit": TEXT, "form": TEXT,
}, ["id", "name", "strength", "unit", "form"])

MISSED_DOSE_WORDS = ("What the prescriber or pharmacist said to do if a dose is missed, in "
                     "their words (empty when not noted). Today shows it for a late dose.")

MEDICATION = {"allOf": [_ref("MedicationSummary"), _obj({
    "kind": {"type": "string", "enum": ["prescribed", "over_the_counter", "supplement"]},
    "status": {"type": "string", "enum": ["active", "paused", "stopped"]},
    "purpose": TEXT, "prescriber": TEXT,
    "missed_dose_instructions": {"type": "string", "description": MISSED_DOSE_WORDS},
    "started_on": DATE, "ended_on": NULLABLE_DATE,
    "end_reason": TEXT, "amount": {"type": "number"}, "as_needed": {"type": "boolean"},
    "max_per_day": {"type": "integer", "nullable": True},
    "times": {"type": "array", "items": TEXT},
    "weekdays": {"type": "array", "items": {"type": "integer"}},
    "units_on_hand": {"type": "number", "nullable": True}, "runs_out_on": NULLABLE_DATE,
    "regimens": {"type": "array", "items": _ref("Regimen")},
    "scheduled": {"type": "array", "items": _ref("Regimen"),
                  "description": "Versions that begin later (changes still to come). The dose "
                                 "fields above are the version in force on the day asked "
                                 "about (today unless the request names a date)."},
}, ["kind", "status", "started_on", "regimens", "scheduled"])]}

DOSE_EVENT = _obj({
    "id": {"type": "integer"}, "medication_id": {"type": "integer"},
    "planned_dose_id": {"type": "integer", "nullable": True},
    "status": {"type": "string", "enum": ["taken", "skipped"]}, "occurred_at": MOMENT,
    "late": {"type": "boolean"},
    "skip_reason": {"type": "string", "nullable": True,
                    "enum": [*(reason.value for reason in SkipReason), None]},
    "note": TEXT, "logged_at": MOMENT, "logged_by": {"type": "string", "nullable": True},
    "idempotency_key": {"type": "string", "nullable": True},
    "over_daily_max": {"type": "boolean", "description": "Only in answers to a new dose."},
    "amount": {"type": "number", "nullable": True},
    "follow_up_at": {**MOMENT, "nullable": True,
                     "description": "When \"did it help?\" is asked (an as-needed dose)."},
    "helped": {"type": "string", "nullable": True, "enum": [*HELPED_ANSWERS, None]},
    "sooner_than_planned_after": {
        **MOMENT, "nullable": True,
        "description": "Only in answers to a new dose: the earlier dose it came sooner than "
                       "the least interval after. The dose is recorded all the same."},
}, ["id", "medication_id", "status", "occurred_at", "late"])

DOSE_ROW = _obj({
    "id": {"type": "integer", "description": "The planned dose."},
    "medication": _ref("MedicationSummary"), "due_at": MOMENT, "local_date": DATE,
    "local_time": TEXT,
    "status": {"type": "string",
               "enum": ["upcoming", "due", "late", "missed", "taken", "skipped"]},
    "event": {"allOf": [_ref("DoseEvent")], "nullable": True},
}, ["id", "medication", "due_at", "local_time", "status", "event"])

SIDE_EFFECT = _obj({
    "id": {"type": "integer"}, "symptom": TEXT,
    "severity": {"type": "string", "enum": ["none", "mild", "moderate", "severe"]},
    "medication_ids": {"type": "array", "items": {"type": "integer"}},
    "started_on": DATE, "ended_on": NULLABLE_DATE, "note": TEXT,
    "idempotency_key": {"type": "string", "nullable": True},
    "red_flag": {"type": "boolean", "description": "Only in answers to a new side effect: "
                 "the symptom is one to get urgent help for, matched by the phrases and "
                 "variants in /static/data/red_flags.json (the same file the offline page "
                 "uses). The client should be shown how to get help at once."},
}, ["id", "symptom", "severity", "medication_ids", "started_on"])

TIME_ZONE = {"type": "string", "enum": sorted(accounts.TIMEZONES),
             "description": "An IANA time zone name this server knows."}


def _zones_by_reference(properties: dict) -> None:
    """The ~600 zone names once, in ``TimeZone``, instead of in every field that takes one."""
    for name, schema in properties.items():
        if schema.get("enum") == TIME_ZONE["enum"]:
            rest = {k: v for k, v in schema.items() if k not in ("enum", "type")}
            properties[name] = {"allOf": [_ref("TimeZone")], **rest}


def _request(form, rules: dict[str, str] | None = None, description: str = "") -> dict:
    """A request body: the form's own fields and limits, then the rules it can't state."""
    schema = form_schema(form)
    _zones_by_reference(schema["properties"])
    if rules:
        schema["x-record-rules"] = rules
        description += " Also refused (400, naming the field): " + " ".join(
            f"`{name}`: {rule}" for name, rule in rules.items())
    if description.strip():
        schema["description"] = description.strip()
    return schema


# What each schedule kind needs, not empty nor null (the schema's anyOf says which are sent).
SCHEDULE_RULES = {
    "first_time": "Needed for every_hours.", "interval_hours": "Needed for every_hours.",
    "last_time": "Needed for every_hours; not before `first_time`.",
    "interval_days": "Needed for every_days.", "cycle_on_days": "Needed for cycle.",
    "cycle_off_days": "Needed for cycle.",
    "times": "At least one for the fixed, every_days and cycle schedules.",
}


def _schedule(schema: dict) -> dict:
    """A fixed schedule needs a time; over the API no weekday means every day."""
    props = schema["properties"]
    props["weekdays"]["description"] = ("0 is Monday. Left out, empty or all seven: every "
                                        "day (answers say every day as []).")
    props["weekdays"]["default"] = []
    props["times"]["description"] = ("Needed (at least one) for the fixed, every_days and "
                                     "cycle schedules.")
    props["max_per_day"]["description"] = "Only kept for an as-needed schedule."
    props["first_time"]["description"] = ("every_hours: the first dose's time; doses follow "
                                          "every `interval_hours` up to `last_time`.")
    props["cycle_day"]["description"] = (
        "cycle: the day of the cycle the client is on today (1 is its first), up to "
        "`cycle_on_days` + `cycle_off_days`; the answer's `anchor_on` is the day it began. "
        "Left out, the cycle begins on the first day (`started_on`, or the change's).")
    props["amount"]["description"] = "A number or a fraction (\"1/2\", \"1 1/4\", \"½\")."
    for day in DAY_NAMES:
        props[f"amount_{day}"]["description"] = "fixed and every_hours: another amount that day."

    def kind(name: str, *needed: str, many: tuple[str, ...] = ()) -> dict:
        return {"required": ["schedule", *needed, *many],
                "properties": {"schedule": {"type": "string", "enum": [name]},
                               **{field: {"minItems": 1} for field in many}}}
    schema["anyOf"] = [kind("as_needed"),
                       kind("every_hours", "first_time", "last_time", "interval_hours"),
                       kind("every_days", "interval_days", many=("times",)),
                       kind("cycle", "cycle_on_days", "cycle_off_days", many=("times",)),
                       {"required": ["times"], "properties": {
                           "schedule": {"type": "string", "enum": ["fixed"]},
                           "times": {"minItems": 1}}}]
    return schema


def _request_schemas() -> dict:
    """Built per document from the forms the API validates with (labels in the reader's
    language)."""
    new_medication = _schedule(_request(MedicationForm(formdata=None, meta={"csrf": False}), {
        **SCHEDULE_RULES, "ends_on": "On or after `started_on` and today."}))
    change = _schedule(_request(ChangeDoseForm(formdata=None, meta={"csrf": False}), {
        **SCHEDULE_RULES,
        "effective_on": "Today or later, and before a stop still to come."}))
    dose = _request(DoseForm(formdata=None, meta={"csrf": False}), {
        "medication_id": "One of the client's medications.",
        "planned_dose_id": "A scheduled dose of that medication; needed to log a skip.",
        "taken_at": "Not in the future and at most a year ago.",
    })
    dose["properties"]["taken_at"]["description"] = (
        "ISO 8601; without an offset it is read in the zone of the scheduled dose (else where "
        "the client is). Default: now.")
    side_effect = _request(SideEffectForm(formdata=None, meta={"csrf": False}), {
        "started_on": ON_OR_BEFORE_TODAY,
        "ended_on": ON_OR_BEFORE_TODAY + " Not before `started_on`.",
        "medication_ids": "The client's own medications.",
    })
    return {
        "NewMedication": new_medication, "DoseChange": change, "NewDose": dose,
        "NewSideEffect": side_effect,
        "Stop": _request(StopForm(formdata=None, meta={"csrf": False}),
                         {"ended_on": "Not before the medication's start."}),
        "Refill": _request(RefillForm(formdata=None, meta={"csrf": False})),
        "Helped": _request(HelpedForm(formdata=None, meta={"csrf": False})),
        "Profile": _profile(),
        "TimeZone": TIME_ZONE,
    }


def _profile() -> dict:
    schema = _request(ProfileForm(formdata=None, meta={"csrf": False}),
                      description="Fields left out stay as they are.")
    del schema["required"]
    return schema


def _checkin_answer(item: CheckinField, sent: bool = False) -> dict:
    """One check-in answer's schema, described by its label in the check-in vocabulary."""
    if item.kind is AnswerKind.HOURS:
        low, high = HOURS_RANGE
        schema = {"type": "number", "minimum": float(low), "maximum": float(high),
                  "nullable": True}
        schema = with_number_text(schema) if sent else schema
    elif item.kind is AnswerKind.SCALE:
        low, high = SCALE_RANGE
        schema = {"type": "integer", "minimum": low, "maximum": high, "nullable": True}
        schema = with_number_text(schema) if sent else schema
    else:
        schema = {"type": "string", **({"maxLength": NOTE_LIMIT, "nullable": True,
                                        "pattern": STORABLE_TEXT} if sent else {})}
    return {**schema, "description": str(item.label)}


def _checkin_schemas() -> dict:
    """Built per document: the labels are in the reader's language."""
    answers = {item.name: _checkin_answer(item) for item in CHECKIN_FIELDS}
    sent = {item.name: _checkin_answer(item, sent=True) for item in CHECKIN_FIELDS}
    checkin = _obj({"id": {"type": "integer"}, "date": DATE, **answers,
                    "idempotency_key": {"type": "string", "nullable": True},
                    "updated_at": MOMENT}, ["id", "date"])
    saved = {"allOf": [_ref("CheckIn"), _obj({"conflicts": {
        "type": "array", "description": "Each answer another device changed meanwhile, and "
        "whose answer was kept (the later edit).", "items": _obj({
            "field": {"type": "string", "enum": list(answers)},
            "kept": {"type": "string", "enum": ["this_device", "other_device"]},
            "value": {"nullable": True, "description": "The answer kept."},
        }, ["field", "kept", "value"])}}, ["conflicts"])]}
    new = _obj({
        "idempotency_key": UUID, "date": DATE, **sent,
        "edited_at": {**MOMENT, "description": "When the person made this edit on the device "
                      "(default: now; a later one counts as now). Without an offset it is "
                      "read in the client's time zone."},
        "entered_in": {"allOf": [_ref("TimeZone")], "nullable": True, "description": "The IANA time zone the device was in "
                       "when the entry was made: the day may be today there (an entry made "
                       "before a flight west) although it is still ahead in the account's zone."},
        "base": {**_obj(sent, strict=True), "description": "The answers the device's form "
                 "started from. An answer sent unchanged from its base is left as saved; "
                 "one changed on another device meanwhile keeps the later edit."},
    }, ["date"], strict=True)
    new["x-record-rules"] = {
        "date": "On or before today where the entry was made (`entered_in`, else the "
                "client's zone).",
        "checkin": "A check-in left with no answer and no note."}
    new["description"] = ("Only the answers sent are written: an absent one stays as saved, "
                          "null (or \"\" for the note) clears it. A check-in left with no "
                          "answer and no note is refused (400, field `checkin`). `base` may also come as "
                          "the page form's flat names (`base-mood`).")
    return {"CheckIn": checkin, "CheckInSaved": saved, "NewCheckIn": new}


ERROR = _obj({"error": TEXT, "message": TEXT,
              "fields": {"type": "object", "additionalProperties": {
                  "type": "array", "items": TEXT}}}, ["error"])
CONFLICT = _obj({"error": TEXT, "message": TEXT, "event": _ref("DoseEvent")}, ["error"])
TODAY = _obj({
    "date": DATE, "timezone": TEXT, "doses": {"type": "array", "items": _ref("DoseRow")},
    "as_needed": {"type": "array", "items": _ref("Medication")},
    "checkin_done": {"type": "boolean"},
    "checkin": {"allOf": [_ref("CheckIn")], "nullable": True,
                "description": "The day's saved check-in, if there is one."},
}, ["date", "timezone", "doses", "as_needed", "checkin_done", "checkin"])
# follow_local: doses move to the new zone's clock times; keep_home: they stay at the times of
# ``timezone`` while ``travel_timezone`` says where the client is.
TRAVEL = {"type": "string", "enum": ["follow_local", "keep_home"]}
ME = _obj({"id": {"type": "integer"}, "display_name": TEXT, "email": TEXT,
           "role": {"type": "string", "enum": ["client", "therapist", "caregiver"]},
           "timezone": TEXT, "locale": TEXT, "travel": TRAVEL,
           "travel_timezone": {"type": "string", "nullable": True}},
          ["id", "display_name", "email", "role", "timezone", "locale", "travel",
           "travel_timezone"])


def _json(schema) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _answer(description: str, schema=None) -> dict:
    return {"description": description, **(_json(schema) if schema else {})}


COMMON = {
    "401": _answer("Not signed in.", _ref("Error")),
    "403": _answer("Signed in, but not as a client.", _ref("Error")),
}
INVALID = {"400": _answer("Invalid input; `fields` names each field at fault.", _ref("Error"))}
NOT_FOUND = {"404": _answer("No such record in this account.", _ref("Error"))}


def _list(key: str, item: str) -> dict:
    return _obj({key: {"type": "array", "items": _ref(item)}}, [key])


def _op(summary: str, responses: dict, body=None, params=None) -> dict:
    operation = {"summary": summary, "responses": {**responses, **COMMON}}
    if params is RANGE:
        operation["x-record-rules"] = {"from": "Not after `to`, and at most 366 days before."}
    if body:
        operation["requestBody"] = {"required": True, **_json(body)}
    if params:
        operation["parameters"] = params
    return operation


def _query(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": DATE}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


RANGE = [_query("from", "First local day (default: 29 days before `to`). Not after `to`, "
                "and at most 366 days before it (else 400 naming `from`)."),
         _query("to", "Last local day (default: today). Sent empty, it is refused.")]
MED_ID = [_path("medication_id")]


def _created(name: str, what: str) -> dict:
    return {"201": _answer(f"{what} created.", _ref(name)),
            "200": _answer("Already created with this idempotency key: the same record.",
                           _ref(name)), **INVALID}


def _medication_action(summary: str, body=None) -> dict:
    responses = {"200": _answer("The medication after the change.", _ref("Medication")),
                 "409": _answer("Not possible in the medication's current state.",
                                _ref("Error")), **NOT_FOUND}
    if body:
        responses.update(INVALID)
    return {"post": _op(summary, responses, body, MED_ID)}


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Tend client record API", "version": "1",
                 "description": "The signed-in client's own record. Session cookie "
                                "authentication; writes need the page's CSRF token in the "
                                "X-CSRFToken header."},
        "paths": {
            "/api/v1/me": {
                "get": _op("The signed-in person.", {"200": _answer("Profile.", _ref("Me"))}),
                "patch": _op("Change name or time zone (doses follow the new zone).",
                             {"200": _answer("Profile.", _ref("Me")), **INVALID},
                             _ref("Profile")),
            },
            "/api/v1/today": {"get": _op(
                "A local day's scheduled doses and as-needed medications.",
                {"200": _answer("The day.", _ref("Today")), **INVALID},
                params=[_query("date", "Local day (default: today in the client's zone).")])},
            "/api/v1/medications": {
                "get": _op("Every medication, active first.",
                           {"200": _answer("List.", _list("medications", "Medication"))}),
                "post": _op("Add a medication with its dose and schedule.",
                            _created("Medication", "Medication"), _ref("NewMedication")),
            },
            "/api/v1/medications/{medication_id}": {"get": _op(
                "One medication with its dose history.",
                {"200": _answer("The medication.", _ref("Medication")), **NOT_FOUND},
                params=MED_ID)},
            "/api/v1/medications/{medication_id}/changes": _medication_action(
                "Change dose or schedule from a date (a new version).", _ref("DoseChange")),
            "/api/v1/medications/{medication_id}/pause": _medication_action("Pause."),
            "/api/v1/medications/{medication_id}/resume": _medication_action("Resume."),
            "/api/v1/medications/{medication_id}/stop": _medication_action(
                "Stop, with the date and an optional reason.", _ref("Stop")),
            "/api/v1/medications/{medication_id}/refill": _medication_action(
                "Add a refill to the supply count.", _ref("Refill")),
            "/api/v1/doses": {
                "get": _op("Doses logged in a range of local days.",
                           {"200": _answer("List.", _list("doses", "DoseEvent")), **INVALID},
                           params=RANGE),
                "post": _op("Log a dose taken or skipped.", {
                    **_created("DoseEvent", "Dose"),
                    "409": _answer("This scheduled dose is already logged.", _ref("Conflict"))},
                    _ref("NewDose")),
            },
            "/api/v1/doses/{event_id}": {"delete": _op(
                "Undo a logged dose.", {"204": _answer("Removed."), **NOT_FOUND},
                params=[_path("event_id")])},
            "/api/v1/doses/{event_id}/helped": {"post": _op(
                "Answer \"did it help?\" for a dose.",
                {"200": _answer("The dose with its answer.", _ref("DoseEvent")),
                 **INVALID, **NOT_FOUND}, _ref("Helped"), [_path("event_id")])},
            "/api/v1/side-effects": {
                "get": _op("Side effects that started in a range of local days.",
                           {"200": _answer("List.", _list("side_effects", "SideEffect")),
                            **INVALID}, params=RANGE),
                "post": _op("Record a side effect.", _created("SideEffect", "Side effect"),
                            _ref("NewSideEffect")),
            },
            "/api/v1/side-effects/{item_id}": {"delete": _op(
                "Delete a side effect.", {"204": _answer("Removed."), **NOT_FOUND},
                params=[_path("item_id")])},
            "/api/v1/checkins": {
                "get": _op("Check-ins in a range of local days.",
                           {"200": _answer("List.", _list("checkins", "CheckIn")), **INVALID},
                           params=RANGE),
                "post": _op("Save the check-in of a day (one per day: a second one merges "
                            "into it).",
                            {**_created("CheckInSaved", "Check-in"),
                             "200": _answer("Updated, or replayed key.",
                                            _ref("CheckInSaved"))},
                            _ref("NewCheckIn")),
            },
            "/api/v1/checkins/{item_id}": {"delete": _op(
                "Delete a check-in.", {"204": _answer("Removed."), **NOT_FOUND},
                params=[_path("item_id")])},
        },
        "components": {"schemas": {
            "Error": ERROR, "Conflict": CONFLICT, "Me": ME,
            "Today": TODAY, "Regimen": REGIMEN, "MedicationSummary": MEDICATION_SUMMARY,
            "Medication": MEDICATION, "DoseEvent": DOSE_EVENT, "DoseRow": DOSE_ROW,
            "SideEffect": SIDE_EFFECT, **_request_schemas(), **_checkin_schemas(),
        }},
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
