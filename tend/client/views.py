"""Small helpers the client's views share."""
import uuid

from tend.forms import show_errors
from tend.services.errors import FieldError


def new_key() -> str:
    """A fresh idempotency key for a form about to be shown: the same rendered form sent
    twice (a double tap, a resent page, a retried offline entry) logs one entry."""
    return str(uuid.uuid4())


def show_field_error(form, error: FieldError) -> None:
    """Put a service's rule errors (all it found) next to the fields they name."""
    show_errors(form, error.errors)
