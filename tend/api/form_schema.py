"""JSON Schema of a form's fields, read from the fields and their validators: the OpenAPI
document states these, and the JSON adapter checks a body's value types against them, so the
document, the API and the HTML forms keep one set of limits."""
from decimal import Decimal
from functools import lru_cache

from wtforms import (DateField, FormField, RadioField, SelectField, SelectMultipleField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tend import fields as tend_fields
from tend.fields import (AMOUNT_IN_RANGE_TEXT, AmountField, EARLIEST, LATEST, TIME_OF_DAY_PATTERN, DateInputField, InRange,
                         MomentField, NumberChoiceField, NumberChoicesField, NumberField,
                         TimesField, WholeNumberField)
from tend.services import accounts

# Days from EARLIEST to LATEST (1900-01-01 to 2100-12-31) as a pattern; OpenAPI 3.0 has no
# bound for a date's value. It also narrows the month and the day, as the date format does.
DATE_PATTERN = (r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
assert (EARLIEST.year, LATEST.year) == (1900, 2100), "DATE_PATTERN names these years"


# Free text: anything but a NUL, which PostgreSQL can't store (nor half of a UTF-16 pair,
# which JSON Schema can't state: the forms refuse both, tend/forms.py).
STORABLE_TEXT = r"^[^\x00]*$"
STORABLE_TEXT_WITH_MORE_THAN_SPACES = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


# A number may also come as its text ("12", "0.5"), as a page form's input gives it to the
# offline queue: the text is stated exactly, so text out of range is out of the schema too.
def _digits_between(low: str, high: str) -> str:
    """Digit strings of one length from ``low`` to ``high``."""
    if low == high:
        return low
    if set(low) == {"0"} and set(high) == {"9"}:
        return f"[0-9]{{{len(low)}}}"
    if len(low) == 1:
        return f"[{low}-{high}]"
    rest = len(low) - 1
    if low[0] == high[0]:
        return f"{low[0]}(?:{_digits_between(low[1:], high[1:])})"
    parts = [f"{low[0]}(?:{_digits_between(low[1:], '9' * rest)})"]
    if int(high[0]) - int(low[0]) > 1:
        parts.append(f"[{int(low[0]) + 1}-{int(high[0]) - 1}][0-9]{{{rest}}}")
    parts.append(f"{high[0]}(?:{_digits_between('0' * rest, high[1:])})")
    return "|".join(parts)


def _whole_between(low: int, high: int) -> str:
    """Whole numbers from ``low`` to ``high`` (0 or more) as written, without leading zeros."""
    parts = []
    for length in range(len(str(low)), len(str(high)) + 1):
        first = low if length == len(str(low)) else 10 ** (length - 1)
        last = high if length == len(str(high)) else 10 ** length - 1
        parts.append(_digits_between(str(first), str(last)))
    return "|".join(parts)


def _fraction_at_least(digits: str) -> str:
    """Decimal places (one or more) worth at least ``.digits``."""
    digits = digits.rstrip("0")
    if not digits:
        return "[0-9]+"
    first, rest = int(digits[0]), digits[1:]
    above = [f"[{first + 1}-9][0-9]*"] if first < 9 else []
    same = f"{first}(?:{_fraction_at_least(rest)})" if rest.rstrip("0") else f"{first}[0-9]*"
    return "|".join(above + [same])


def _fraction_at_most(digits: str) -> str:
    """Decimal places (one or more) worth at most ``.digits``."""
    digits = digits.rstrip("0")
    if not digits:
        return "0+"
    first, rest = int(digits[0]), digits[1:]
    below = [f"[0-{first - 1}][0-9]*"] if first > 0 else []
    return "|".join(below + [f"{first}(?:{_fraction_at_most(rest)})?"])


def _decimal_between(low: Decimal, high: Decimal) -> str:
    """Decimal numbers from ``low`` to ``high`` (0 or more) as written: 2, 0.5, 24.0."""
    (low_whole, _, low_places), (high_whole, _, high_places) = (
        format(value, "f").partition(".") for value in (low, high))
    low_whole, high_whole = int(low_whole), int(high_whole)
    assert low_whole < high_whole, "a range within one whole number isn't needed yet"
    parts = [rf"{low_whole}\.(?:{_fraction_at_least(low_places)})" if low_places.strip("0")
             else rf"{low_whole}(?:\.[0-9]+)?"]
    if high_whole - low_whole > 1:
        parts.append(rf"(?:{_whole_between(low_whole + 1, high_whole - 1)})(?:\.[0-9]+)?")
    parts.append(rf"{high_whole}(?:\.(?:{_fraction_at_most(high_places)}))?")
    return "|".join(parts)


def number_text(schema: dict) -> dict:
    """The text of the numbers ``schema`` (an integer or number schema) takes."""
    if "enum" in schema:
        return {"type": "string", "enum": [str(value) for value in schema["enum"]
                                           if value is not None]}
    low, high = schema.get("minimum"), schema.get("maximum")
    if schema["type"] == "integer":
        if low is None or high is None:
            body = ("" if low is not None and low >= 0 else "-?") + "(?:0|[1-9][0-9]*)"
        else:
            body = _whole_between(int(low), int(high))
    elif low is None or high is None:
        body = r"-?[0-9]+(?:\.[0-9]+)?"
    else:
        body = _decimal_between(Decimal(str(low)), Decimal(str(high)))
    return {"type": "string", "pattern": f"^(?:{body})$"}


def with_number_text(schema: dict) -> dict:
    """``schema``, a number, or the number as its text ("" too when it may be empty)."""
    text = number_text(schema)
    if schema.get("nullable"):
        if "enum" in text:
            text["enum"].append("")
        else:
            text["pattern"] = text["pattern"][:-1] + "?$"
    return {"anyOf": [schema, text]}


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
            schema["pattern"] = STORABLE_TEXT_WITH_MORE_THAN_SPACES
        elif isinstance(check, InputRequired) and schema["type"] == "string":
            schema["minLength"] = max(schema.get("minLength", 0), 1)
    if any(isinstance(check, Optional) for check in field.validators):
        schema["nullable"] = True
        if schema.get("enum") and schema["type"] == "string":  # "" as a page form sends it
            schema["enum"] = [c for c in schema["enum"] if c != ""] + ["", None]
    default = field.default() if callable(field.default) else field.default
    if default not in (None, "", []) and not is_required(field):
        if isinstance(field, NumberChoicesField):
            default = [int(d) for d in default]
        schema["default"] = _number(default)
    if describe and field.description:
        schema["description"] = str(field.description)
    if schema["type"] == "string" and not {"enum", "format", "pattern"} & set(schema):
        schema["pattern"] = STORABLE_TEXT
    described = {key: schema.pop(key) for key in ("description", "default") if key in schema}
    if schema["type"] == "array":  # a page form's single checkbox comes as the value alone
        if schema["items"]["type"] == "integer":
            schema["items"] = with_number_text(schema["items"])
        return {"anyOf": [schema, schema["items"]], **described}
    if schema["type"] in ("integer", "number"):
        if schema.get("nullable"):
            described["description"] = (described.get("description", "") +
                                        " Empty (null or \"\"): none.").strip()
        if isinstance(field, AmountField):  # hundredths, also "0,5", "1/2", "1 1/4", "½"
            schema["multipleOf"] = 0.01
        numbers = with_number_text(schema)
        if isinstance(field, AmountField):
            text = numbers["anyOf"][1]
            empty = "?" if text["pattern"].endswith(")?$") else ""  # an optional one
            text["pattern"] = f"^(?:{AMOUNT_IN_RANGE_TEXT}){empty}$"
        return {**numbers, **described}
    return {**schema, **described}


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
