"""Pacing per push service: one that answers 429 (or 503 with Retry-After) is left alone for
as long as it asked, and only it: the others are not slowed down.

A push service is an origin (scheme, host and port of the endpoint): all Chrome subscriptions
share FCM's, all Firefox ones Mozilla's. The pause is kept in memory for the sends this
worker has under way, and written to the outbox (``outbox.hold_back``) for every worker."""
import threading
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from tend.push.sender import TransportError


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}".lower()


def pause_asked(error: TransportError, default: timedelta) -> timedelta | None:
    """How long a failure asks us to leave its push service alone: a 429 for its
    Retry-After (``default`` without one), a 503 only if it says how long."""
    if error.status == 429:
        return timedelta(seconds=error.retry_after) if error.retry_after else default
    if error.status == 503 and error.retry_after:
        return timedelta(seconds=error.retry_after)
    return None


class Pauses:
    """Push services paused until a moment; safe to use from the sending threads."""

    def __init__(self):
        self._until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def pause(self, origin: str, until: datetime) -> None:
        with self._lock:
            current = self._until.get(origin)
            if current is None or until > current:
                self._until[origin] = until

    def paused_until(self, origin: str, now: datetime) -> datetime | None:
        if not self._until:  # none paused (read without the lock: a send racing a pause
            return None      # being set is posted, as it would be a moment earlier)
        with self._lock:
            until = self._until.get(origin)
            if until is not None and until <= now:
                del self._until[origin]
                return None
            return until
