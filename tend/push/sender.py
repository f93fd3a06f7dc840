"""Sending Web Push messages from many threads at once, doing per message only what each
message needs.

Per message: the payload encrypted for its subscription (RFC 8291 aes128gcm, written here with
``cryptography`` alone: a fresh ephemeral P-256 key and salt, ECDH with the browser's
``p256dh``, HKDF-SHA-256 with its ``auth`` secret, one AES-128-GCM record), and
one POST with TTL, Urgency and Topic (RFC 8030) on a connection already open to that push
service. Per push service (an origin): kept-alive connections (``Connections``: one pool per
origin, shared by all threads) and the VAPID header (RFC 8292), signed by py_vapid
(pywebpush's own VAPID library) once and reused until shortly before its ``exp`` by the
caller's clock (``VapidHeaders``).

pywebpush's ``webpush()`` would sign a new JWT per message and post through requests, which
together cost about as much as the rest, and its encryption costs a third more than doing it
directly; so only py_vapid's signing is used (once per push service), the rest is done here. The receiver the tests post to (tests/push_receiver.py)
verifies the VAPID JWT and decrypts, as a push service and a browser do.
Everything that goes wrong comes back as ``TransportError``."""
import base64
import hmac
import http.client
import json
import os
import re
import select
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tend.push.keys import VapidIdentity

MAX_PAYLOAD_BYTES = 3000  # 4,096 bytes per message minus encryption overhead, with room
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
GONE = (404, 410)  # the subscription has expired or was revoked
VAPID_LIFETIME = timedelta(hours=12)  # push services refuse more than 24 hours
VAPID_RENEW_BEFORE = timedelta(minutes=30)  # room for a push service's clock running ahead
TARGETS_KEPT = 10_000  # endpoints whose origin and path are kept worked out


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


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode  # made once


def encode_payload(payload: dict) -> bytes:
    data = _COMPACT_JSON(payload).encode()
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


# --- encryption (RFC 8291, the aes128gcm content coding of RFC 8188) ----------------------

CURVE = ec.SECP256R1()
RECORD_SIZE = 4096
KEY_INFO = b"WebPush: info\x00"
CEK_INFO = b"Content-Encoding: aes128gcm\x00"
NONCE_INFO = b"Content-Encoding: nonce\x00"
LAST_RECORD = b"\x02"  # the padding delimiter of the final (here: only) record


def unb64(text: str) -> bytes:
    """base64url without padding, as subscriptions carry their keys."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869) for one block of output, all RFC 8291 needs."""
    return hmac.digest(hmac.digest(salt, ikm, "sha256"), info + b"\x01", "sha256")[:length]


def encrypt(plaintext: bytes, subscription_info: dict) -> bytes:
    """The request body for this subscription: RFC 8188 header (salt, record size, the
    ephemeral public key) and one encrypted record (a push message is at most 4,096 bytes,
    so one record always holds it). pywebpush does the same through http_ece with about a
    third more CPU."""
    keys = subscription_info["keys"]
    return encrypt_with(plaintext, unb64(keys["p256dh"]), unb64(keys["auth"]),
                        ec.generate_private_key(CURVE), os.urandom(16))


def encrypt_with(plaintext: bytes, ua_public: bytes, auth_secret: bytes,
                 ephemeral: ec.EllipticCurvePrivateKey, salt: bytes) -> bytes:
    """``encrypt`` with the ephemeral key and salt given (RFC 8291's example fixes both)."""
    if len(plaintext) + len(LAST_RECORD) + 16 > RECORD_SIZE - 86:
        raise ValueError("a push message is one record of at most 4,096 bytes")
    as_public = ephemeral.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
    shared = ephemeral.exchange(ec.ECDH(),
                                ec.EllipticCurvePublicKey.from_encoded_point(CURVE, ua_public))
    ikm = _hkdf(auth_secret, shared, KEY_INFO + ua_public + as_public, 32)
    key = _hkdf(salt, ikm, CEK_INFO, 16)
    nonce = _hkdf(salt, ikm, NONCE_INFO, 12)
    header = salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(as_public)]) + as_public
    return header + AESGCM(key).encrypt(nonce, plaintext + LAST_RECORD, None)



class VapidHeaders:
    """The ``Authorization`` header for each push service, signed once and reused until
    ``VAPID_RENEW_BEFORE`` its expiry; safe to use from many threads."""

    def __init__(self, identity: VapidIdentity):
        self.identity = identity
        self._signed: dict[str, tuple[str, datetime]] = {}  # origin -> (header, renew at)
        self._lock = threading.Lock()

    def for_origin(self, origin: str, now: datetime) -> str:
        signed = self._signed.get(origin)  # read without the lock: one dict look-up
        if signed is not None and now < signed[1]:
            return signed[0]
        with self._lock:
            header, renew_at = self._signed.get(origin, ("", now))
            if now < renew_at:
                return header
            expires = now + VAPID_LIFETIME
            header = self._sign(origin, expires)
            self._signed[origin] = (header, expires - VAPID_RENEW_BEFORE)
            return header

    def _sign(self, origin: str, expires: datetime) -> str:
        claims = {"aud": origin, "exp": int(expires.timestamp()), "sub": self.identity.subject}
        return self.identity.vapid.sign(claims)["Authorization"]


class Connections:
    """Kept-alive connections to one origin, shared by the sending threads: a thread takes
    an idle one (or opens one), posts, and puts it back if the push service keeps it open.
    At most ``keep`` idle connections are kept; one the service closed while idle is
    noticed before use (its socket reads as ready) and replaced, never posted on."""

    def __init__(self, origin: str, timeout: float, keep: int,
                 tls: ssl.SSLContext | None = None):
        parts = urlsplit(origin)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.timeout, self.keep = timeout, keep
        self.tls = tls
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _take(self) -> http.client.HTTPConnection:
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if not _closed_by_peer(connection):
                    return connection
                connection.close()
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(connection)
                return
        connection.close()

    def post(self, path: str, headers: dict, body: bytes) -> tuple[int, str | None]:
        """The status of one POST, and its Retry-After when it asks to wait (429, 5xx);
        OSError (timeouts included) or http.client.HTTPException when it did not get an
        answer."""
        connection = self._take()
        try:
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self._give_back(connection)
        status = response.status
        return status, response.getheader("Retry-After") if status > 202 else None

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """An idle kept-alive connection has nothing to read unless the server closed it."""
    if connection.sock is None:
        return True
    try:
        readable, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


@dataclass
class Sender:
    identity: VapidIdentity
    timeout: float = 10.0
    connections_per_origin: int = 8  # kept idle: as many as threads post at once

    def __post_init__(self):
        self.vapid = VapidHeaders(self.identity)
        self._tls = ssl.create_default_context()  # SSL_CERT_FILE may name the trusted CAs
        self._pools: dict[str, Connections] = {}
        self._targets: dict[str, tuple[str, Connections, str]] = {}  # endpoint -> origin...
        self._lock = threading.Lock()

    def connections(self, origin: str) -> Connections:
        with self._lock:
            pool = self._pools.get(origin)
            if pool is None:
                pool = self._pools[origin] = Connections(
                    origin, self.timeout, self.connections_per_origin, self._tls)
            return pool

    def _target(self, endpoint: str) -> tuple[str, Connections, str]:
        """The push service's origin, its connections and the path to post to, worked out
        once per endpoint (kept for the last ``TARGETS_KEPT`` endpoints)."""
        target = self._targets.get(endpoint)
        if target is None:
            parts = urlsplit(endpoint)
            origin = f"{parts.scheme}://{parts.netloc}".lower()
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if len(self._targets) >= TARGETS_KEPT:
                self._targets.clear()
            target = self._targets[endpoint] = (origin, self.connections(origin), path)
        return target

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
            self._targets = {}
        for pool in pools:
            pool.close()

    def send(self, subscription_info: dict, payload: dict, *, topic: str, ttl: int,
             urgency: str = "high", now: datetime | None = None) -> int:
        """Deliver ``payload`` to one subscription; returns the push service's status code.
        ``urgency`` (RFC 8030: very-low, low, normal, high) lets a phone saving battery
        deliver a message that can wait a little later. ``now`` (the app's clock) decides
        whether the push service's VAPID header is still good."""
        if not TOPIC.match(topic):
            raise ValueError(f"push topic {topic!r} is not 1-32 URL-safe characters")
        origin, pool, path = self._target(subscription_info["endpoint"])
        body = encrypt(encode_payload(payload), subscription_info)
        # Content-Length is added by http.client for a bytes body.
        headers = {"Authorization": self.vapid.for_origin(
                       origin, now or datetime.now(timezone.utc)),
                   "Content-Encoding": "aes128gcm", "TTL": str(int(ttl)), "Urgency": urgency,
                   "Topic": topic}
        try:
            status, retry_after = pool.post(path, headers, body)
        except TimeoutError as error:
            raise TransportError(f"timed out after {self.timeout:g} s") from error
        except (OSError, http.client.HTTPException) as error:
            raise TransportError(f"connection failed: {type(error).__name__}") from error
        if status > 202:
            raise _error_from_status(status, retry_after)
        return status


def _error_from_status(status: int, retry_after: str | None) -> TransportError:
    text = f"push service answered {status}"
    if status in GONE:
        return TransportError(text + ": subscription gone", permanent=True, status=status)
    if status == 429 or status >= 500:
        return TransportError(text, status=status, retry_after=parse_retry_after(
            retry_after, datetime.now(timezone.utc).timestamp()))
    # 400 bad request, 401/403 wrong VAPID key, 413 too large: retrying sends the same.
    return TransportError(text, permanent=True, status=status)
