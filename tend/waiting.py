"""The answer to an attempt made too soon after too many (tend/services/throttle.py): how long
to wait, in words and in a Retry-After header. Never a lock, never blame."""
import math
from datetime import timedelta

from flask import Response, make_response
from flask_babel import format_timedelta


def seconds_to_wait(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def wait_in_words(wait: timedelta) -> str:
    """"30 seconds", "2 minutes", in the page's language (rounded up, never "0 seconds")."""
    seconds = seconds_to_wait(wait)
    if seconds >= 60:
        seconds = math.ceil(seconds / 60) * 60
    return format_timedelta(timedelta(seconds=seconds), granularity="second", threshold=1)


def too_soon(body, wait: timedelta) -> Response:
    """A 429 answer with ``body`` (a rendered page) that says when to come back."""
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(seconds_to_wait(wait))
    return response
