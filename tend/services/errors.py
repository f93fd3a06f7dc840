"""Errors that domain services raise for input a person can fix."""


class FieldError(Exception):
    """A value that breaks a rule, named by the form or JSON field it came from."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Conflict(Exception):
    """The thing asked for already happened (e.g. this dose is already logged)."""

    def __init__(self, message: str, existing=None):
        super().__init__(message)
        self.message = message
        self.existing = existing
