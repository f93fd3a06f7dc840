"""The base of every form in Tend: Flask-WTF's ``FlaskForm`` (CSRF and all), with WTForms' own
messages ("Not a valid integer value.") translated from a catalogue read once per process and
locale; Flask-WTF itself reads that catalogue from disk on every request. No field takes text
a database can't store (a NUL, which PostgreSQL refuses, or half of a UTF-16 pair, which a JSON
body can carry): it is refused at the field, on pages and API."""
import re
from functools import cache

import wtforms
from babel import support
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path
from wtforms.meta import DefaultMeta


@cache
def wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _Translated:
    def get_translations(self, form):
        if not has_request_context():
            return None  # WTForms then keeps its English messages
        return wtforms_translations(str(get_locale()))


UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _StorableText:
    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            if any(isinstance(value, str) and UNSTORABLE.search(value)
                   for value in field.raw_data or ()):
                field.errors = [_l("Remove the invisible or broken character from this.")]
                valid = False
        return valid


def show_errors(form, errors) -> bool:
    """Put rule errors (``FieldError``s from a service) next to the fields they name, after
    any the field has already; True if there were none."""
    for error in errors:
        field, message = getattr(form, error.field, None), str(error.message)
        if field is None:
            form.form_errors.append(message)
        elif message not in field.errors:
            field.errors = [*field.errors, message]
    return not errors


class Form(_StorableText, FlaskForm):
    class Meta(_Translated, FlaskForm.Meta):
        pass


class SubForm(_StorableText, wtforms.Form):
    """A form nested in another with ``FormField``: the outer form carries the CSRF token."""

    class Meta(_Translated, DefaultMeta):
        pass
