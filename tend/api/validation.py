"""JSON requests go through the same WTForms classes as the HTML forms: one rule set.

JSON values are turned into the strings a browser form would send, so "12" and 12 validate
alike; anything a form could never send (an object, a nested list) is refused by field name.
CSRF for JSON is checked by CSRFProtect from the ``X-CSRFToken`` header, so the forms built
here skip their own token field."""
from functools import lru_cache

from flask import jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import FormField
from wtforms.fields.core import UnboundField


class JSONInputError(Exception):
    """The body is not a JSON object of simple values; carries the JSON error response."""

    def __init__(self, fields: dict[str, list[str]], message: str | None = None):
        super().__init__(message)
        self.response = invalid_response(fields, message)


def _flat_errors(fields: dict, prefix: str = "") -> dict[str, list[str]]:
    """Field errors by name; a nested form's (``base``) as ``base.mood``."""
    flat = {}
    for name, messages in fields.items():
        if isinstance(messages, dict):
            flat.update(_flat_errors(messages, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = [str(m) for m in messages]
    return flat


def invalid_response(fields: dict[str, list[str]], message: str | None = None):
    body = {"error": "invalid", "message": message or _("Please check the fields named."),
            "fields": _flat_errors(fields)}
    return jsonify(body), 400


def _as_form_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TypeError


def _add_value(data: MultiDict, errors: dict, name: str, value) -> None:
    values = value if isinstance(value, list) else [value]
    try:
        for item in values:
            data.add(name, _as_form_value(item))
    except TypeError:
        errors[name] = [_("This field has the wrong type.")]


def json_formdata(form_class) -> MultiDict:
    """The request's JSON object as form data, naming any field of the wrong shape. A nested
    form (``FormField``) takes an object, ``{"base": {"mood": 3}}``, or the names an HTML
    form gives its fields, ``{"base-mood": 3}``: both become ``base-mood``."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise JSONInputError({}, _("Send a JSON object."))
    allowed, nested = field_names(form_class), nested_forms(form_class)
    flat = {f"{outer}-{name}" for outer, inner in nested.items() for name in field_names(inner)}
    data, errors = MultiDict(), {}
    for name, value in payload.items():
        if name in flat:  # as an HTML form names it: "base-mood"
            _add_value(data, errors, name, value)
        elif name not in allowed:
            errors[name] = [_("This field is not accepted here.")]
        elif name in nested:
            if not isinstance(value, dict):
                errors[name] = [_("This field has the wrong type.")]
                continue
            for key, item in value.items():
                if key not in field_names(nested[name]):
                    errors[f"{name}.{key}"] = [_("This field is not accepted here.")]
                else:
                    _add_value(data, errors, f"{name}-{key}", item)
        else:
            _add_value(data, errors, name, value)
    if errors:
        raise JSONInputError(errors)
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


def form_from_json(form_class, **kwargs):
    """Build and validate ``form_class`` from the JSON body; return (form, error_response)."""
    try:
        formdata = json_formdata(form_class)
    except JSONInputError as exc:
        return None, exc.response
    form = form_class(formdata=formdata, meta={"csrf": False}, **kwargs)
    if not form.validate():
        return form, invalid_response(form.errors)
    return form, None
