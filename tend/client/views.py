"""Small helpers the client's views share."""
import uuid
from collections.abc import Callable

from flask import abort, flash, redirect

from models import db
from tend.forms import show_errors
from tend.services.errors import Conflict, FieldError


def new_key() -> str:
    """A fresh idempotency key for a form about to be shown: the same rendered form sent
    twice (a double tap, a resent page, a retried offline entry) logs one entry."""
    return str(uuid.uuid4())


def show_field_error(form, error: FieldError) -> None:
    """Put a service's rule errors (all it found) next to the fields they name."""
    show_errors(form, error.errors)


def save_from_form(form, save: Callable[[], object], back_on_conflict: str) -> bool:
    """Run ``save`` (the service call a valid form asks for) and commit: True once saved.
    A ``FieldError`` is rolled back and shown at its fields (False: the form is shown again,
    every value kept); a ``Conflict`` is rolled back, flashed, and the answer is a redirect to
    ``back_on_conflict``."""
    try:
        save()
    except FieldError as error:
        db.session.rollback()
        show_field_error(form, error)
        return False
    except Conflict as conflict:
        db.session.rollback()
        flash(conflict.message, "error")
        abort(redirect(back_on_conflict))
    db.session.commit()
    return True
