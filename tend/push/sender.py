"""Sending Web Push messages from many threads at once, doing per message only what each
message needs.

Per message: the payload encrypted for its subscription (RFC 8291 aes128gcm, written here with
``cryptography`` alone: a fresh ephemeral P-256 key and salt, ECDH with the browser's
``p256dh``, HKDF-SHA-256 with its ``auth`` secret, one AES-128-GCM record), and
one POST with TTL, Urgency and Topic (RFC 8030) on a connection already open to that push
service, the request written in one send and the answer read by a small HTTP/1.1 reader of
its own (``_Connection``: http.client cost more CPU per message than the encryption). Per push service (an origin): kept-alive connections (``Connections``: one pool per
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
import socket
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
UNSENDABLE_IN_PATH = re.compile(r"[\x00-\x20\x7f-\uffff]")  # the request line is latin-1
MAX_HEAD_BYTES = 65536  # of an answer's status line and headers
MAX_ANSWER_BYTES = 1 << 20  # of an answer's body, read and dropped


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


class _Connection:
    """One kept-alive HTTP/1.1 connection, doing per POST only what a push needs: the
    request written whole in one send (http.client writes the head and the body apart and
    parses every answer's header block with the email package: together more CPU than the
    encryption). Reads any answer HTTP/1.1 allows (a length, chunks, or up to the close);
    OSError (timeouts included) or http.client.HTTPException when there is none."""

    def __init__(self, host: str, port: int, timeout: float, tls: ssl.SSLContext | None):
        sock = socket.create_connection((host, port), timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = tls.wrap_socket(sock, server_hostname=host) if tls else sock
        except BaseException:
            sock.close()
            raise
        self._buffer = b""

    def close(self) -> None:
        self.sock.close()

    def idle_and_open(self) -> bool:
        """Nothing waiting to be read: a kept-alive connection the server has not closed
        (a server closing an idle one makes it readable)."""
        if self._buffer:
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def post(self, request: bytes) -> tuple[int, str | None, bool]:
        """The status, Retry-After (when the answer asks to wait) and whether the connection
        can be used again."""
        self.sock.sendall(request)
        while True:
            status, headers, version = self._read_head()
            if status >= 200:
                break  # 1xx: interim answers, followed by the real one
        keep = not _has_token(headers.get(b"connection", b""), b"close") \
            if version == b"HTTP/1.1" else _has_token(headers.get(b"connection", b""),
                                                      b"keep-alive")
        if _has_token(headers.get(b"transfer-encoding", b""), b"chunked"):
            self._skip_chunked()
        elif b"content-length" in headers:
            length = headers[b"content-length"]
            if not length.isdigit() or int(length) > MAX_ANSWER_BYTES:
                raise http.client.HTTPException(f"bad Content-Length {length[:20]!r}")
            self._take(int(length))
        elif status not in (204, 304):
            self._skip_to_close()  # no length: the body ends with the connection
            keep = False
        retry_after = headers.get(b"retry-after") if status > 202 else None
        return status, retry_after.decode("latin-1") if retry_after else None, keep

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise http.client.RemoteDisconnected("the push service closed the connection")
        self._buffer += data

    def _line(self) -> bytes:
        while (end := self._buffer.find(b"\r\n")) < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise http.client.LineTooLong("answer line")
            self._fill()
        line, self._buffer = self._buffer[:end], self._buffer[end + 2:]
        return line

    def _take(self, length: int) -> bytes:
        while len(self._buffer) < length:
            self._fill()
        taken, self._buffer = self._buffer[:length], self._buffer[length:]
        return taken

    def _read_head(self) -> tuple[int, dict[bytes, bytes], bytes]:
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise http.client.LineTooLong("answer header block")
            self._fill()
        head, self._buffer = self._buffer[:end], self._buffer[end + 4:]
        status_line, *lines = head.split(b"\r\n")
        version, _, rest = status_line.partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or not code.isdigit():
            raise http.client.BadStatusLine(status_line[:60].decode("latin-1"))
        headers = {}
        for line in lines:
            name, colon, value = line.partition(b":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        return int(code), headers, version

    def _skip_chunked(self) -> None:
        skipped = 0
        while True:
            size_field = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_field, 16)
            except ValueError:
                raise http.client.HTTPException(f"bad chunk size {size_field[:20]!r}") from None
            if size == 0:
                while self._line():
                    pass  # trailers, up to the empty line
                return
            skipped += size
            if skipped > MAX_ANSWER_BYTES:
                raise http.client.HTTPException("answer too long")
            self._take(size + 2)

    def _skip_to_close(self) -> None:
        try:
            while len(self._buffer) <= MAX_ANSWER_BYTES:
                self._fill()
        except http.client.RemoteDisconnected:
            return
        raise http.client.HTTPException("answer too long")


def _has_token(value: bytes, token: bytes) -> bool:
    return token in (part.strip().lower() for part in value.split(b","))


class Connections:
    """Kept-alive connections to one origin, shared by the sending threads: a thread takes
    an idle one (or opens one), posts, and puts it back if the push service keeps it open.
    At most ``keep`` idle connections are kept; one the service closed while idle is
    noticed before use (its socket reads as ready) and replaced, never posted on."""

    def __init__(self, origin: str, timeout: float, keep: int,
                 tls: ssl.SSLContext | None = None):
        parts = urlsplit(origin)
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        # As http.client writes it: the port only when it is not the scheme's own.
        self.host_header = host if parts.port in (None, 443 if self.https else 80) \
            else f"{host}:{self.port}"
        self.timeout, self.keep = timeout, keep
        self.tls = tls if self.https else None
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def _take(self) -> _Connection:
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if connection.idle_and_open():
                    return connection
                connection.close()
        return _Connection(self.host, self.port, self.timeout, self.tls)

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(connection)
                return
        connection.close()

    def post(self, request: bytes) -> tuple[int, str | None]:
        """The status of one POST (``request``: its head and body, as sent), and its
        Retry-After when it asks to wait (429, 5xx); OSError (timeouts included) or
        http.client.HTTPException when it did not get an answer."""
        connection = self._take()
        try:
            status, retry_after, keep = connection.post(request)
        except BaseException:
            connection.close()
            raise
        if keep:
            self._give_back(connection)
        else:
            connection.close()
        return status, retry_after

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


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
            if UNSENDABLE_IN_PATH.search(path) or not parts.hostname:
                raise TransportError("the endpoint is not a URL one can post to",
                                     permanent=True)
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
        authorization = self.vapid.for_origin(origin, now or datetime.now(timezone.utc))
        request = (f"POST {path} HTTP/1.1\r\nHost: {pool.host_header}\r\n"
                   f"Authorization: {authorization}\r\nContent-Encoding: aes128gcm\r\n"
                   f"Content-Length: {len(body)}\r\n"
                   f"TTL: {int(ttl)}\r\nUrgency: {urgency}\r\nTopic: {topic}\r\n\r\n"
                   ).encode("latin-1") + body
        try:
            status, retry_after = pool.post(request)
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
