"""Errors that domain services raise for input a person can fix."""


class FieldError(Exception):
    """A value that breaks a rule, named by the form or JSON field it came from."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    @property
    def errors(self) -> list["FieldError"]:
        """Every value found breaking a rule, this one alone here (see ``FieldErrors``)."""
        return [self]


class FieldErrors(FieldError):
    """Several values that break rules, found in one pass, so a form shows them all at once
    (``field`` and ``message`` are the first one's, for callers that show one)."""

    def __init__(self, errors: list[FieldError]):
        super().__init__(errors[0].field, errors[0].message)
        self._errors = errors

    @property
    def errors(self) -> list[FieldError]:
        return self._errors


def raise_any(errors: list[FieldError]) -> None:
    """Raise the errors found, if there are any: one alone as itself, several together."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise FieldErrors(errors)


class Conflict(Exception):
    """The thing asked for already happened (e.g. this dose is already logged)."""

    def __init__(self, message: str, existing=None):
        super().__init__(message)
        self.message = message
        self.existing = existing
