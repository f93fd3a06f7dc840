"""How close the reminder dispatcher comes to the machine's limit for Web Push, in one run.

Four senders post the same number of reminders, 8 at a time, each from one process, to one
TLS push receiver running in a process of its own (tests/push_receiver.py: it verifies every
VAPID JWT and decrypts every payload, as a push service and a browser would):

- baseline: only the irreducible work per message, written here from the RFCs: encrypt the
  payload (RFC 8291 aes128gcm with ``cryptography``), the VAPID header of the push service's
  origin (signed once, reused for its validity), one POST on a kept-alive TLS connection;
- dispatcher: the real ``Dispatcher.drain()`` on a fresh SQLite database of due reminders
  (claims, payloads with action tokens, attempt rows, outcomes: everything it does);
- pywebpush: the bare loop of ``pywebpush.webpush()`` calls the dispatcher made before
  (a requests session per thread, a new JWT per message);
- web-push: Node's ``web-push`` 3.6 (installed here under bench/ with npm), kept-alive agent.

The dispatcher encrypts with tend/push/encryption.py and the baseline with its own RFC code,
so the encryption alone is also timed three ways on the same subscriptions: the baseline's,
the dispatcher's and pywebpush's ``WebPusher.encode`` (which the dispatcher used before).

The rounds alternate the senders (a busy machine slows them all alike); each figure is the
median of the rounds. Prints rates, ratios to the baseline and each sender's CPU per message.

    .venv/bin/python bench/bench_push_limit.py [--messages 2000] [--rounds 3]
"""
import argparse
import base64
import hmac
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

CONCURRENCY = 8
PAYLOAD = {"v": 1, "kind": "dose", "tag": "dose-1", "title": "Tend",
           "body": "Time for your 8:00 medication.", "url": "/today?dose=1",
           "dose": 1, "timestamp": 0, "renotify": False,
           "actions": [{"action": "taken", "title": "Taken"},
                       {"action": "snooze", "title": "Snooze 10 min"}],
           "tokens": {"taken": "x" * 90, "snooze": "y" * 90}, "act": "/reminders/act",
           "unreachable": "Tend couldn't be reached. Tap to open Today and log it there."}
SUBJECT = "mailto:bench@example.com"


class Receiver:
    """tests/push_receiver.py in a process of its own."""

    def __init__(self, devices: int):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "push_receiver.py"), "--tls",
             "--devices", str(devices)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        ready = json.loads(self.process.stdout.readline())
        self.origin, self.ca_file = ready["origin"], ready["ca_file"]
        self.subscriptions = ready["subscriptions"]

    def stats(self) -> dict:
        parts = urlsplit(self.origin)
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, context=ssl.create_default_context(cafile=self.ca_file))
        connection.request("GET", "/stats")
        stats = json.loads(connection.getresponse().read())
        connection.close()
        return stats

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


# --- the baseline: the irreducible work, from the RFCs --------------------------------------

CURVE = ec.SECP256R1()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hkdf(salt, ikm, info, length):
    return hmac.digest(hmac.digest(salt, ikm, "sha256"), info + b"\x01", "sha256")[:length]


def rfc_encrypt(plaintext: bytes, p256dh: str, auth: str) -> bytes:
    """RFC 8291 aes128gcm with ``cryptography`` alone: the baseline's encryption."""
    ua_raw = unb64(p256dh)
    ephemeral = ec.generate_private_key(CURVE)
    as_raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    secret = ephemeral.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(
        CURVE, ua_raw))
    ikm = hkdf(unb64(auth), secret, b"WebPush: info\x00" + ua_raw + as_raw, 32)
    salt = os.urandom(16)
    key = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    return salt + (4096).to_bytes(4, "big") + b"\x41" + as_raw + AESGCM(key).encrypt(
        nonce, plaintext + b"\x02", None)


def encryption_cpu_us(receiver: Receiver, messages: int) -> dict:
    """CPU microseconds per message of the encryption alone: the baseline's code, the
    sender's and pywebpush's ``WebPusher.encode``, on the same subscriptions."""
    from pywebpush import WebPusher

    from tend.push.sender import encrypt

    plaintext = json.dumps(PAYLOAD, separators=(",", ":")).encode()
    subs = receiver.subscriptions
    ways = {"direct": lambda sub: rfc_encrypt(plaintext, sub["keys"]["p256dh"],
                                              sub["keys"]["auth"]),
            "sender": lambda sub: encrypt(plaintext, sub),
            "pywebpush": lambda sub: WebPusher(sub).encode(plaintext,
                                                           content_encoding="aes128gcm")}
    cost = {}
    for name, way in ways.items():
        cpu = time.process_time()
        for n in range(messages):
            way(subs[n % len(subs)])
        cost[name] = (time.process_time() - cpu) * 1e6 / messages
    return cost


def baseline(receiver: Receiver, messages: int) -> float:
    """Returns the seconds taken."""
    vapid_key = ec.generate_private_key(CURVE)
    vapid_public = b64(vapid_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    vapid_cache: dict[str, tuple[str, float]] = {}
    vapid_lock = threading.Lock()

    def vapid_header(origin: str) -> str:
        with vapid_lock:
            header, renew_at = vapid_cache.get(origin, ("", 0.0))
            if time.time() < renew_at:
                return header
            exp = int(time.time()) + 12 * 3600
            signing_input = b64(b'{"typ":"JWT","alg":"ES256"}') + "." + b64(json.dumps(
                {"aud": origin, "exp": exp, "sub": SUBJECT}).encode())
            r, s = decode_dss_signature(vapid_key.sign(signing_input.encode(),
                                                       ec.ECDSA(hashes.SHA256())))
            signature = b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
            header = f"vapid t={signing_input}.{signature}, k={vapid_public}"
            vapid_cache[origin] = (header, exp - 1800)
            return header

    tls = ssl.create_default_context(cafile=receiver.ca_file)
    local = threading.local()
    plaintext = json.dumps(PAYLOAD, separators=(",", ":")).encode()

    def post(n: int) -> None:
        sub = receiver.subscriptions[n % len(receiver.subscriptions)]
        parts = urlsplit(sub["endpoint"])
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPSConnection(parts.hostname, parts.port,
                                                           timeout=10, context=tls)
        body = rfc_encrypt(plaintext, sub["keys"]["p256dh"], sub["keys"]["auth"])
        local.connection.request("POST", parts.path, body, {
            "Authorization": vapid_header(f"{parts.scheme}://{parts.netloc}"),
            "Content-Encoding": "aes128gcm", "TTL": "3600", "Urgency": "high",
            "Topic": f"dose-{n}"})
        response = local.connection.getresponse()
        response.read()
        assert response.status == 201, response.status

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(post, range(messages)))
    return time.perf_counter() - started


# --- the senders compared with it -----------------------------------------------------------

def pywebpush_loop(receiver: Receiver, messages: int) -> float:
    """The bare loop of pywebpush calls the dispatcher made before (tend/push/sender.py then)."""
    import requests
    from py_vapid import Vapid
    from pywebpush import webpush

    vapid = Vapid()
    vapid.generate_keys()
    local = threading.local()
    data = json.dumps(PAYLOAD, separators=(",", ":")).encode()

    def post(n: int) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.trust_env = False  # REQUESTS_CA_BUNDLE would win over verify
            local.session.verify = receiver.ca_file
        webpush(receiver.subscriptions[n % len(receiver.subscriptions)], data,
                vapid_private_key=vapid, vapid_claims={"sub": SUBJECT}, ttl=3600, timeout=10,
                headers={"Urgency": "high", "Topic": f"dose-{n}"},
                requests_session=local.session)

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(post, range(messages)))
    return time.perf_counter() - started


def dispatcher(receiver: Receiver, messages: int) -> tuple[float, float]:
    """``Dispatcher.drain()`` of ``messages`` due reminders on a fresh SQLite database:
    seconds taken and CPU seconds used by the drain."""
    import logging

    from flask_migrate import upgrade

    from app import create_app
    from models import Role, db
    from tend.reminders.dispatcher import Dispatcher
    from tests.conftest import make_person
    from tests.reminder_helpers import seed_due_reminders

    folder = tempfile.mkdtemp(prefix="tend-bench-push-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                      "SECRET_KEY": "bench-only-" * 4, "TESTING": True})
    app.instance_path = folder
    devices = [SimpleNamespace(endpoint=s["endpoint"], p256dh=s["keys"]["p256dh"],
                               auth=s["keys"]["auth"]) for s in receiver.subscriptions]
    with app.app_context():
        logging.disable(logging.INFO)  # the migrations' progress
        upgrade()
        logging.disable(logging.NOTSET)
        person = make_person("bench@example.com", "Bench", Role.CLIENT)
        seed_due_reminders(person.id, devices, messages // len(devices),
                           datetime.now(timezone.utc))
        sender = Dispatcher(app, pool_size=CONCURRENCY)
        cpu, started = time.process_time(), time.perf_counter()
        sender.drain()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        sender.close()
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return elapsed, cpu


def node_web_push(receiver: Receiver, messages: int) -> tuple[float, float]:
    """Seconds taken and CPU seconds used, as the Node process measured them."""
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=receiver.ca_file)
    job = json.dumps({"subscriptions": receiver.subscriptions, "count": messages,
                      "concurrency": CONCURRENCY, "payload": PAYLOAD})
    done = subprocess.run(["node", str(BENCH / "push_limit_node.js")], input=job, text=True,
                          capture_output=True, env=env, cwd=BENCH, check=True)
    result = json.loads(done.stdout)
    assert result["sent"] == messages
    return result["seconds"], result["cpu_seconds"]


def web_push_installed() -> str | None:
    """Why Node's web-push cannot run here, or None once it is installed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node or npm is missing"
    if not (BENCH / "node_modules" / "web-push").exists():
        installed = subprocess.run(["npm", "install", "--prefix", str(BENCH), "--no-audit",
                                    "--no-fund", "--loglevel=error"], capture_output=True,
                                   text=True)
        if installed.returncode != 0:
            return f"npm install failed: {installed.stderr.strip()[:200]}"
    return None


def measure(name: str, run, receiver: Receiver, messages: int) -> dict:
    before = receiver.stats()
    cpu = time.process_time()
    outcome = run(receiver, messages)
    seconds, cpu_seconds = outcome if isinstance(outcome, tuple) else \
        (outcome, time.process_time() - cpu)
    after = receiver.stats()
    delivered = after["deliveries"] - before["deliveries"]
    if delivered != messages or after["rejected"] != before["rejected"]:
        raise SystemExit(f"{name}: {delivered} of {messages} delivered, "
                         f"rejections {after['rejections']}")
    return {"per_second": messages / seconds,
            "cpu_ms_each": cpu_seconds * 1000 / messages,
            "receiver_cpu_ms_each": (after["cpu_seconds"] - before["cpu_seconds"]) * 1000
            / messages,
            "connections": after["connections"] - before["connections"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    senders = {"baseline": baseline, "dispatcher": dispatcher, "pywebpush": pywebpush_loop}
    why_not_node = web_push_installed()
    if why_not_node is None:
        senders["web-push"] = node_web_push
    else:
        print(f"Node's web-push left out: {why_not_node}")
    receiver = Receiver(devices=100)
    os.environ["SSL_CERT_FILE"] = receiver.ca_file  # the dispatcher trusts the receiver
    runs: dict[str, list[dict]] = {name: [] for name in senders}
    try:
        for _ in range(args.rounds):
            for name, run in senders.items():
                runs[name].append(measure(name, run, receiver, args.messages))
        encryption = encryption_cpu_us(receiver, args.messages)
    finally:
        receiver.close()
    summary = {name: {key: statistics.median(r[key] for r in results) for key in results[0]}
               for name, results in runs.items()}
    base = summary["baseline"]["per_second"]
    print(f"Web Push near the limit: {args.messages} messages per sender and round, "
          f"{CONCURRENCY} at a time, {args.rounds} rounds (medians), TLS receiver in its own "
          f"process; load average {os.getloadavg()[0]:.1f}")
    for name, figures in summary.items():
        print(f"  {name:<10} {figures['per_second']:6.0f}/s = "
              f"{figures['per_second'] / base:.2f} x baseline; CPU per message: sender "
              f"{figures['cpu_ms_each']:.2f} ms, receiver "
              f"{figures['receiver_cpu_ms_each']:.2f} ms; connections opened "
              f"{figures['connections']:.0f}")
    ratios = {"dispatcher_to_baseline": summary["dispatcher"]["per_second"] / base,
              "baseline_to_pywebpush": base / summary["pywebpush"]["per_second"]}
    print(f"  goals: dispatcher/baseline {ratios['dispatcher_to_baseline']:.2f} (>= 0.9), "
          f"baseline/pywebpush {ratios['baseline_to_pywebpush']:.2f} (>= 2)", end="")
    if "web-push" in summary:
        ratios["dispatcher_to_web_push"] = summary["dispatcher"]["per_second"] \
            / summary["web-push"]["per_second"]
        print(f", dispatcher/web-push {ratios['dispatcher_to_web_push']:.2f} (> 1)")
    else:
        print()
    ratios["sender_encryption_to_direct"] = encryption["sender"] / encryption["direct"]
    ratios["pywebpush_encode_to_direct"] = encryption["pywebpush"] / encryption["direct"]
    print(f"  encryption alone, CPU per message: baseline's {encryption['direct']:.0f} us, "
          f"the sender's (tend/push/sender.py) {encryption['sender']:.0f} us = "
          f"{ratios['sender_encryption_to_direct']:.2f} x, pywebpush WebPusher.encode "
          f"{encryption['pywebpush']:.0f} us = {ratios['pywebpush_encode_to_direct']:.2f} x")
    out = BENCH / "results" / "push_limit.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"messages": args.messages, "rounds": args.rounds,
                               "runs": runs, "medians": summary, "encryption_cpu_us": encryption,
                               "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
