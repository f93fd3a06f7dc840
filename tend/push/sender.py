"""Sending one Web Push message, with every header a reminder needs and a hard timeout.

pywebpush's defaults are wrong for reminders: TTL 0 (a phone that is offline for a moment
never gets the message), no timeout (one stuck push service stalls a worker), and it writes
``aud``/``exp`` into the claims dict it is given (a shared dict would carry one push service's
audience to the next). Everything that goes wrong comes back as ``TransportError``."""
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from pywebpush import WebPushException, webpush

from tend.push.keys import VapidIdentity

MAX_PAYLOAD_BYTES = 3000  # 4,096 bytes per message minus encryption overhead, with room
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
GONE = (404, 410)  # the subscription has expired or was revoked


class TransportError(Exception):
    """A push that did not go through. ``permanent``: trying this subscription again is
    useless (it is gone or refuses us); otherwise a later attempt may succeed."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after

    @property
    def subscription_gone(self) -> bool:
        return self.status in GONE


def encode_payload(payload: dict) -> bytes:
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"push payload is {len(data)} bytes, more than {MAX_PAYLOAD_BYTES}")
    return data


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait, from a Retry-After of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


@dataclass
class Sender:
    identity: VapidIdentity
    timeout: float = 10.0

    def __post_init__(self):
        self._local = threading.local()

    def _session(self) -> requests.Session:
        """One connection pool per thread: requests sessions are not thread-safe."""
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def send(self, subscription_info: dict, payload: dict, *, topic: str, ttl: int,
             urgency: str = "high") -> int:
        """Deliver ``payload`` to one subscription; returns the push service's status code.
        ``urgency`` (RFC 8030: very-low, low, normal, high) lets a phone saving battery
        deliver a message that can wait a little later."""
        if not TOPIC.match(topic):
            raise ValueError(f"push topic {topic!r} is not 1-32 URL-safe characters")
        data = encode_payload(payload)
        claims = {"sub": self.identity.subject}  # fresh per send: pywebpush adds aud and exp
        try:
            response = webpush(subscription_info, data, vapid_private_key=self.identity.vapid,
                               vapid_claims=claims, ttl=ttl, timeout=self.timeout,
                               headers={"Urgency": urgency, "Topic": topic},
                               requests_session=self._session())
        except WebPushException as error:
            raise _error_from_response(error) from error
        except requests.Timeout as error:
            raise TransportError(f"timed out after {self.timeout:g} s") from error
        except requests.RequestException as error:
            raise TransportError(f"connection failed: {type(error).__name__}") from error
        return response.status_code


def _error_from_response(error: WebPushException) -> TransportError:
    status = error.status_code
    text = f"push service answered {status}"
    if status in GONE:
        return TransportError(text + ": subscription gone", permanent=True, status=status)
    if status == 429 or (status is not None and status >= 500):
        return TransportError(text, status=status, retry_after=parse_retry_after(
            error.retry_after, datetime.now(timezone.utc).timestamp()))
    # 400 bad request, 401/403 wrong VAPID key, 413 too large: retrying sends the same.
    return TransportError(text, permanent=True, status=status)
