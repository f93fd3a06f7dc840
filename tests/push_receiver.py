"""A real Web Push receiver on 127.0.0.1, playing the push service and the browser at once.

It makes subscriptions the way a browser does (a P-256 key pair and a 16-byte auth secret,
with an endpoint URL pointing here), and for every POST it checks what a push service checks
(the VAPID JWT: ES256 signature, audience, expiry, subject; TTL present) and then decrypts the
aes128gcm body (RFC 8291) with the subscription's private key, as the browser would. Tests can
tell it to answer a status (410, 429 with Retry-After, 503, ...) or to hang. It counts the
connections senders open (``receiver.connections``), so a test can see them kept alive.

``PushReceiver(tls=True)`` serves https with a self-signed certificate for 127.0.0.1 (its file
is ``receiver.ca_file``: give it to the sender as ``SSL_CERT_FILE``, to Node as
``NODE_EXTRA_CA_CERTS``). ``PushReceiver(clock=...)`` checks the JWT's expiry by that clock
(the app's, in tests that set it) instead of the real time.

Used by the protocol tests, the crash test, the benchmark and the ops helper's scale test:

    with PushReceiver() as receiver:
        sub = receiver.subscribe()            # sub.info is {"endpoint", "keys": {...}}
        receiver.answer(sub, 429, retry_after=5)
        ...
        receiver.deliveries_for(sub)          # decrypted payloads, in arrival order

The benchmarks run it as a process of its own, so that its work is not counted as the
sender's: ``python tests/push_receiver.py --tls --devices 100`` prints one JSON line (origin,
certificate file, subscriptions) and serves until its standard input closes; ``GET /stats``
answers with the counts so far.
"""
import argparse
import base64
import ipaddress
import itertools
import json
import os
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


@dataclass
class Subscription:
    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    @property
    def info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass
class Delivery:
    subscription_id: str
    payload: dict
    headers: dict
    claims: dict
    received_at: float


@dataclass
class Answer:
    status: int
    retry_after: str | None = None
    hang: float = 0.0


@dataclass
class ReceiverState:
    subscriptions: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)  # subscription id -> [Answer], used in order
    deliveries: list = field(default_factory=list)
    rejections: list = field(default_factory=list)
    requests: int = 0
    connections: int = 0  # TCP connections senders opened
    lock: threading.Lock = field(default_factory=threading.Lock)


def verify_vapid(authorization: str, audience: str, now: float) -> dict:
    """The claims of a valid ``vapid t=<jwt>,k=<key>`` header, or Rejected(401/403)."""
    if not authorization.startswith("vapid "):
        raise Rejected(401, "no VAPID authorization")
    parts = dict(item.strip().split("=", 1) for item in authorization[6:].split(","))
    claims = _verified_claims(parts.get("t", ""), parts.get("k", ""))
    if claims.get("aud") != audience:
        raise Rejected(403, f"VAPID audience {claims.get('aud')!r} is not {audience!r}")
    if not now < int(claims.get("exp", 0)) <= now + 24 * 3600:
        raise Rejected(403, "VAPID JWT expired or expires more than 24 hours ahead")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise Rejected(403, "VAPID subject is not mailto: or https:")
    return claims


@lru_cache(maxsize=1024)
def _verified_claims(token: str, key: str) -> dict:
    """The claims of a token whose ES256 signature verifies (as a push service does, a token
    seen before is not verified again; its claims are checked on every request)."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        claims = json.loads(b64url_decode(claims_b64))
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                                   b64url_decode(key))
        signature = b64url_decode(signature_b64)
    except (ValueError, TypeError) as error:
        raise Rejected(401, f"malformed VAPID header: {error}") from error
    if header.get("alg") != "ES256" or len(signature) != 64:
        raise Rejected(401, "VAPID JWT is not ES256")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise Rejected(403, "VAPID signature does not verify") from error
    return claims


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args):  # quiet
        pass

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        with self.server.state.lock:
            self.server.state.connections += 1
        super().setup()

    def do_GET(self):
        if self.path != "/stats":
            return self._reply(404)
        state = self.server.state
        with state.lock:
            body = json.dumps({"deliveries": len(state.deliveries), "requests": state.requests,
                               "rejections": state.rejections[-5:],
                               "rejected": len(state.rejections),
                               "connections": state.connections,
                               "cpu_seconds": time.process_time()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _reply(self, status: int, retry_after: str | None = None) -> None:
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        sub_id = self.path.rsplit("/", 1)[-1]
        with state.lock:
            state.requests += 1
            sub = state.subscriptions.get(sub_id)
            queue = state.answers.get(sub_id) or []
            answer = queue.pop(0) if queue else None
        if sub is None:
            return self._reply(404)
        if answer and answer.hang:
            time.sleep(answer.hang)
        try:
            delivery = self._accept(sub, body)
        except Rejected as error:
            with state.lock:
                state.rejections.append((sub_id, error.status, str(error)))
            return self._reply(error.status)
        if answer and answer.status >= 300:
            return self._reply(answer.status, answer.retry_after)
        with state.lock:
            state.deliveries.append(delivery)
        self._reply(201)

    def _accept(self, sub: Subscription, body: bytes) -> Delivery:
        claims = verify_vapid(self.headers.get("Authorization", ""), self.server.origin,
                              self.server.clock().timestamp())
        if "TTL" not in self.headers:
            raise Rejected(400, "no TTL header")
        if self.headers.get("Content-Encoding") != "aes128gcm":
            raise Rejected(400, "payload is not aes128gcm")
        try:
            plain = http_ece.decrypt(body, private_key=sub.private_key,
                                     auth_secret=sub.auth_secret, version="aes128gcm")
        except Exception as error:  # http_ece raises several types for a bad body
            raise Rejected(400, f"payload does not decrypt: {error}") from error
        return Delivery(sub.id, json.loads(plain), dict(self.headers.items()), claims,
                        time.time())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        """A sender that dies mid-request (the crash test kills one) is not an error here."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError)):
            super().handle_error(request, client_address)

    def __init__(self, state: ReceiverState, tls: bool, clock):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.clock = clock
        self.ca_file = None
        if tls:
            self.ca_file, context = _tls_context()
            self.socket = context.wrap_socket(self.socket, server_side=True,
                                              do_handshake_on_connect=False)
        scheme = "https" if tls else "http"
        self.origin = f"{scheme}://127.0.0.1:{self.server_port}"


@lru_cache(maxsize=1)
def _tls_context() -> tuple[str, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 (made once per process), and a server context
    with it. Returns the certificate's file, for the senders to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256()))
    folder = tempfile.mkdtemp(prefix="push-receiver-tls-")
    cert_file, key_file = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    with open(cert_file, "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return cert_file, context


def _real_time() -> datetime:
    return datetime.now(timezone.utc)


class PushReceiver:
    def __init__(self, *, tls: bool = False, clock=_real_time):
        self.state = ReceiverState()
        self._server = _Server(self.state, tls, clock)
        self.ca_file = self._server.ca_file
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._ids = itertools.count(1)
        self.origin = self._server.origin

    def __enter__(self) -> "PushReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def subscribe(self) -> Subscription:
        sub_id = f"{next(self._ids)}-{os.urandom(4).hex()}"
        sub = Subscription(sub_id, f"{self.origin}/push/{sub_id}",
                           ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        with self.state.lock:
            self.state.subscriptions[sub_id] = sub
        return sub

    def answer(self, sub: Subscription, *statuses: int, retry_after: str | None = None,
               hang: float = 0.0) -> None:
        """The next POSTs to ``sub`` get these statuses (201 = accept), then 201 again."""
        with self.state.lock:
            self.state.answers.setdefault(sub.id, []).extend(
                Answer(status, retry_after, hang) for status in statuses)

    def deliveries_for(self, sub: Subscription) -> list[Delivery]:
        with self.state.lock:
            return [d for d in self.state.deliveries if d.subscription_id == sub.id]

    @property
    def deliveries(self) -> list[Delivery]:
        with self.state.lock:
            return list(self.state.deliveries)

    @property
    def rejections(self) -> list:
        with self.state.lock:
            return list(self.state.rejections)

    @property
    def connections(self) -> int:
        with self.state.lock:
            return self.state.connections


def serve_in_this_process() -> None:
    """The receiver as a process of its own (see the module's docstring)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--devices", type=int, default=100)
    args = parser.parse_args()
    with PushReceiver(tls=args.tls) as receiver:
        subs = [receiver.subscribe().info for _ in range(args.devices)]
        print(json.dumps({"origin": receiver.origin, "ca_file": receiver.ca_file,
                          "subscriptions": subs}), flush=True)
        sys.stdin.read()  # until the parent closes it (or exits)


if __name__ == "__main__":
    serve_in_this_process()
