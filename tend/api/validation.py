"""JSON requests go through the same WTForms classes as the HTML forms: one rule set.

A value must have the JSON type the OpenAPI document gives its field (``form_schema``), with
the allowances it states because the offline queue relies on them (it sends a page form's own
fields): a number may come as its text ("12", within the same limits), a list of one as the
value alone, and an optional choice or number as "". Values are then turned into the strings
a browser form would send. CSRF for JSON is checked by CSRFProtect from the ``X-CSRFToken`` header (the session
cookie authenticates), so the forms built here skip their own token field."""
import re
from functools import lru_cache

from flask import jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import FormField
from wtforms.fields.core import UnboundField

from tend.api.form_schema import body_shape
from tend.fields import AmountField, NumberField, WholeNumberField

# Forms read from a JSON body: no token field (see above); ``json_body`` lets a form apply a
# rule that differs for the API (an empty list of weekdays is every day).
JSON_META = {"csrf": False, "json_body": True}


# A number as plain text: one the schema's text pattern leaves out is out of the field's
# limits, which the form refuses with its own message.
PLAIN_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


class InvalidInput(Exception):
    """Input refused, by field name; the API blueprint answers it with 400 (``invalid``)."""

    def __init__(self, fields: dict, message: str | None = None):
        super().__init__(message)
        self.fields = fields
        self.message = message


def _flat_errors(fields: dict, prefix: str = "") -> dict[str, list[str]]:
    """Field errors by name; a nested form's (``base``) as ``base.mood``."""
    flat = {}
    for name, messages in fields.items():
        if isinstance(messages, dict):
            flat.update(_flat_errors(messages, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = [str(m) for m in messages]
    return flat


def invalid_response(fields: dict, message: str | None = None):
    body = {"error": "invalid", "message": message or _("Please check the fields named."),
            "fields": _flat_errors(fields)}
    return jsonify(body), 400


def _allows_empty(schema: dict) -> bool:
    """Whether "" is a value of ``schema``: free text, or an optional choice or number left
    empty as a page's form sends it."""
    if "enum" in schema:
        return "" in schema["enum"]
    if "pattern" in schema:
        return re.search(schema["pattern"], "") is not None
    return "format" not in schema and not schema.get("minLength")


def _has_json_type(schema: dict, value) -> bool:
    """Whether ``value`` has the JSON type ``schema`` gives it (the form checks the limits),
    including a number's text, which must be as the schema states it."""
    if "anyOf" in schema:  # a number or its text; a list or a single value alone
        number, text = schema["anyOf"]
        if number.get("type") in ("integer", "number") and isinstance(value, str):
            if "pattern" in text and not re.search(text["pattern"], value) \
                    and not PLAIN_NUMBER.fullmatch(value):
                raise _NotANumberText(number["type"])
            return True  # the form refuses a plain number out of its limits, or not a choice
        return any(_has_json_type(alternative, value) for alternative in schema["anyOf"])
    if value is None:
        return bool(schema.get("nullable"))
    kind = schema.get("type")
    if kind == "array":
        return isinstance(value, list) and all(_has_json_type(schema["items"], item)
                                               for item in value)
    if isinstance(value, (bool, list, dict)):
        return False
    if kind in ("integer", "number"):
        return isinstance(value, (int, float))
    if not isinstance(value, str):
        return False
    return value != "" or _allows_empty(schema)


def _as_form_value(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2.0 is the whole number 2 in JSON
    return "" if value is None else str(value)


class _NotANumberText(Exception):
    """Text for a number that is not one, or not within the field's limits, as stated."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.message = (WholeNumberField if kind == "integer" else NumberField).invalid


def _reads_own_text(form_class, name: str) -> bool:
    """Whether the form's field reads a number's text by itself, as the page's form sends it
    (an amount: "½", "1 1/4"), so the API answers as the page does, limits and words."""
    unbound = getattr(form_class, name, None)
    return issubclass(getattr(unbound, "field_class", object), AmountField)


def _add_value(data: MultiDict, errors: dict, name: str, value, schema: dict,
               own_text: bool = False) -> None:
    try:
        if own_text and isinstance(value, str):
            if value != value.strip():  # the page's form trims it; the document has no spaces
                errors[name] = [str(AmountField.invalid)]
                return
        elif not _has_json_type(schema, value):
            errors[name] = [_("This field has the wrong type.")]
            return
    except _NotANumberText as refused:
        errors[name] = [str(refused.message)]
        return
    for item in value if isinstance(value, list) else [value]:
        data.add(name, _as_form_value(item))


def json_formdata(form_class) -> MultiDict:
    """The request's JSON object as form data, naming any field of the wrong shape. A nested
    form (``FormField``) takes an object, ``{"base": {"mood": 3}}``, or the names an HTML
    form gives its fields, ``{"base-mood": 3}``: both become ``base-mood``."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise InvalidInput({}, _("Send a JSON object."))
    shape = body_shape(form_class)["properties"]
    nested = nested_forms(form_class)
    flat = {f"{outer}-{name}": shape[outer]["properties"][name]
            for outer in nested for name in field_names(nested[outer])}
    data, errors = MultiDict(), {}
    for name, value in payload.items():
        if name in flat:  # as an HTML form names it: "base-mood"
            _add_value(data, errors, name, value, flat[name])
        elif name not in shape:
            errors[name] = [_("This field is not accepted here.")]
        elif name in nested:
            if not isinstance(value, dict):
                errors[name] = [_("This field has the wrong type.")]
                continue
            for key, item in value.items():
                if key not in field_names(nested[name]):
                    errors[f"{name}.{key}"] = [_("This field is not accepted here.")]
                else:
                    _add_value(data, errors, f"{name}-{key}", item,
                               shape[name]["properties"][key])
        else:
            _add_value(data, errors, name, value, shape[name],
                       _reads_own_text(form_class, name))
    if errors:
        raise InvalidInput(errors)
    return data


@lru_cache(maxsize=None)
def field_names(form_class) -> frozenset[str]:
    """The fields a form declares (read from the class, so no form is built for it)."""
    return frozenset(name for name in dir(form_class)
                     if isinstance(getattr(form_class, name, None), UnboundField))


@lru_cache(maxsize=None)
def nested_forms(form_class) -> dict:
    """The form class of each ``FormField`` a form declares, by field name."""
    return {name: getattr(form_class, name).args[0] for name in field_names(form_class)
            if issubclass(getattr(form_class, name).field_class, FormField)}


def valid_form(form_class, **kwargs):
    """``form_class`` built from the JSON body and validated; else ``InvalidInput``."""
    form = form_class(formdata=json_formdata(form_class), meta=JSON_META, **kwargs)
    if not form.validate():
        raise InvalidInput(form.errors)
    return form


def form_from_json(form_class, **kwargs):
    """``valid_form`` for JSON routes outside the API blueprint, which has the handler that
    answers ``InvalidInput``: (form, None), or (None, the 400 answer)."""
    try:
        return valid_form(form_class, **kwargs), None
    except InvalidInput as refused:
        return None, invalid_response(refused.fields, refused.message)
