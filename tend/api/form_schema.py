"""JSON Schema of a form's fields, read from the fields and their validators: the OpenAPI
document states these, and the JSON adapter checks a body's value types against them, so the
document, the API and the HTML forms keep one set of limits."""
from decimal import Decimal
from functools import lru_cache

from wtforms import (DateField, FormField, RadioField, SelectField, SelectMultipleField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tend import fields as tend_fields
from tend.fields import (EARLIEST, LATEST, TIME_OF_DAY_PATTERN, DateInputField, InRange,
                         MomentField, NumberChoiceField, NumberChoicesField, NumberField,
                         TimesField, WholeNumberField)
from tend.services import accounts

# Days from EARLIEST to LATEST (1900-01-01 to 2100-12-31) as a pattern; OpenAPI 3.0 has no
# bound for a date's value. It also narrows the month and the day, as the date format does.
DATE_PATTERN = (r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
assert (EARLIEST.year, LATEST.year) == (1900, 2100), "DATE_PATTERN names these years"


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _choices(field) -> list[str]:
    return [choice[0] for choice in field.iter_choices()]


def _base(field) -> dict:
    if isinstance(field, TimesField):
        schema = {"type": "array", "items": {"type": "string", "pattern": TIME_OF_DAY_PATTERN}}
        if field.max_entries:
            schema["maxItems"] = field.max_entries
        return schema
    if isinstance(field, NumberChoicesField):
        choices = _choices(field)
        items = {"type": "integer", "enum": [int(c) for c in choices]} if choices \
            else {"type": "integer", "minimum": 0}
        return {"type": "array", "items": items}
    if isinstance(field, NumberChoiceField):
        return {"type": "integer", "enum": [int(c) for c in _choices(field) if c]}
    if isinstance(field, SelectMultipleField):
        return {"type": "array", "items": {"type": "string", "enum": _choices(field)}}
    if isinstance(field, (SelectField, RadioField)) and (field.validate_choice or
                                                         field.choices):
        return {"type": "string", "enum": _choices(field)}
    if isinstance(field, WholeNumberField):
        return {"type": "integer"}
    if isinstance(field, NumberField):
        return {"type": "number"}
    if isinstance(field, (DateInputField, DateField)):
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if isinstance(field, MomentField):
        return {"type": "string", "format": "date-time"}
    return {"type": "string"}


def field_schema(field, describe: bool = True) -> dict:
    """The schema of one bound field: its type and every limit its validators enforce."""
    schema = _base(field)
    for check in field.validators:
        if isinstance(check, Length):
            if check.max is not None and check.max >= 0:
                schema["maxLength"] = check.max
            if check.min and check.min > 0:
                schema["minLength"] = check.min
        elif isinstance(check, InRange):
            schema["minimum"], schema["maximum"] = _number(check.low), _number(check.high)
        elif check is tend_fields.known_timezone:
            schema["enum"] = sorted(accounts.TIMEZONES)
        elif check is tend_fields.uuid_key:
            schema["format"] = "uuid"
        elif isinstance(check, DataRequired) and schema["type"] == "string" \
                and not {"enum", "format", "pattern"} & set(schema):
            schema["pattern"] = r"\S"  # more than spaces
        elif isinstance(check, InputRequired) and schema["type"] == "string":
            schema["minLength"] = max(schema.get("minLength", 0), 1)
    if any(isinstance(check, Optional) for check in field.validators):
        schema["nullable"] = True
        if schema.get("enum") and "" in schema["enum"]:
            schema["enum"] = [c for c in schema["enum"] if c != ""] + [None]
    default = field.default() if callable(field.default) else field.default
    if default not in (None, "", []) and not is_required(field):
        if isinstance(field, NumberChoicesField):
            default = [int(d) for d in default]
        schema["default"] = _number(default)
    if describe and field.description:
        schema["description"] = str(field.description)
    if schema["type"] == "array":  # a page form's single checkbox comes as the value alone
        schema = {"anyOf": [schema, schema["items"]], **{
            key: schema.pop(key) for key in ("description", "default") if key in schema}}
    elif schema["type"] in ("integer", "number") and schema.get("nullable"):
        schema["description"] = (schema.get("description", "") + " Empty (null or \"\"): "
                                 "none.").strip()
    return schema


def is_required(field) -> bool:
    return any(isinstance(check, (DataRequired, InputRequired)) for check in field.validators)


def _declared(form) -> list:
    return [field for field in form if field.short_name != "csrf_token"]


def form_schema(form, describe: bool = True) -> dict:
    """The object a JSON body for ``form`` (a bound form) is: one property per field, the
    required ones named, nothing else accepted."""
    properties, required = {}, []
    for field in _declared(form):
        if isinstance(field, FormField):
            properties[field.short_name] = form_schema(field.form, describe)
            continue
        properties[field.short_name] = field_schema(field, describe)
        if is_required(field):
            required.append(field.short_name)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


@lru_cache(maxsize=None)
def body_shape(form_class) -> dict:
    """The schema of a JSON body for ``form_class``, without descriptions (they are in the
    reader's language): what the JSON adapter checks value types against."""
    return form_schema(form_class(formdata=None, meta={"csrf": False}), describe=False)
