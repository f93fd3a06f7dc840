"""Small helpers the decision views share."""
from datetime import date

from flask_login import current_user
from wtforms import FieldList

from tend import clock
from tend.services import schedule
from tend.services.errors import FieldError


def this_client():
    return current_user._get_current_object()


def client_today() -> date:
    return schedule.local_today(this_client(), clock.now())


def show_field_error(form, error: FieldError) -> None:
    """Show a service's message at its field; for a list of dates, at the first date."""
    field = getattr(form, error.field, None) or next(iter(form))
    if isinstance(field, FieldList):
        field = field.entries[0]
    field.errors = list(field.errors) + [str(error.message)]
