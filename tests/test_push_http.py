"""The sender's own HTTP/1.1 (tend/push/sender.py ``_Connection``) against a server that
answers in each form HTTP/1.1 allows: with a length, in chunks, up to the close, after an
interim 100, asking to close; and against answers that are not HTTP at all."""
import base64
import socket
import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tend.push.keys import identity
from tend.push.sender import Sender, TransportError

_DEVICE = ec.generate_private_key(ec.SECP256R1())  # a browser's subscription keys
DEVICE_KEYS = {"p256dh": base64.urlsafe_b64encode(_DEVICE.public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)).decode(),
    "auth": base64.urlsafe_b64encode(b"0123456789abcdef").decode()}


class ScriptedServer:
    """Answers each POST with the next bytes of ``answers`` (closing the connection after
    those marked ``close``), recording each request's head and body."""

    def __init__(self, answers: list[tuple[bytes, bool]]):
        self.answers = list(answers)
        self.requests: list[tuple[bytes, bytes]] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.origin = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while self.answers:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    if b"\r\n\r\n" not in data:
                        break
                    head, data = data.split(b"\r\n\r\n", 1)
                    length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length:")][0])
                    while len(data) < length:
                        data += conn.recv(65536)
                    self.requests.append((head, data[:length]))
                    data = data[length:]
                    answer, close = self.answers.pop(0)
                    conn.sendall(answer)
                    if close:
                        break

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def sender(app):
    sender = Sender(identity(), timeout=5)
    yield sender
    sender.close()


def send(sender: Sender, server: ScriptedServer) -> int:
    return sender.send({"endpoint": f"{server.origin}/push/abc?x=1", "keys": DEVICE_KEYS},
                       {"title": "Tend"}, topic="dose-1", ttl=120, urgency="normal")


def test_answers_in_every_form_of_http_1_1_are_read(sender):
    server = ScriptedServer([
        (b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello", False),
        (b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n", False),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
         False),
        (b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", True),
        (b"HTTP/1.0 201 Created\r\n\r\nthe body ends with the connection", True),
        (b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", False),
    ])
    assert [send(sender, server) for _ in range(6)] == [201, 201, 202, 201, 201, 201]
    # Kept alive through the first four; closed as asked after the fourth and the fifth.
    assert server.connections == 3
    head, body = server.requests[0]
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /push/abc?x=1 HTTP/1.1"
    headers = dict(line.split(b": ", 1) for line in lines[1:])
    assert headers[b"Host"] == server.origin.removeprefix("http://").encode()
    assert (headers[b"TTL"], headers[b"Urgency"], headers[b"Topic"]) == \
        (b"120", b"normal", b"dose-1")
    assert headers[b"Content-Encoding"] == b"aes128gcm"
    assert headers[b"Authorization"].startswith(b"vapid t=")
    assert int(headers[b"Content-Length"]) == len(body) > 86
    server.close()


def test_a_busy_answer_gives_its_retry_after_and_a_gone_one_is_permanent(sender):
    server = ScriptedServer([
        (b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\nContent-Length: 2\r\n\r\nno",
         False),
        (b"HTTP/1.1 410 Gone\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", False),
    ])
    with pytest.raises(TransportError) as busy:
        send(sender, server)
    assert (busy.value.status, busy.value.retry_after, busy.value.permanent) == (429, 7, False)
    with pytest.raises(TransportError) as gone:
        send(sender, server)
    assert (gone.value.status, gone.value.subscription_gone) == (410, True)
    assert server.connections == 1
    server.close()


@pytest.mark.parametrize("answer, error", [
    (b"SMTP ready\r\n\r\n", "BadStatusLine"),
    (b"", "RemoteDisconnected"),
    (b"HTTP/1.1 201 Created\r\nContent-Length: lots\r\n\r\n", "HTTPException"),
    (b"HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\nshort", "RemoteDisconnected"),
])
def test_an_answer_that_is_not_http_is_a_failed_send(sender, answer, error):
    server = ScriptedServer([(answer, True)])
    with pytest.raises(TransportError, match=f"connection failed: {error}") as failed:
        send(sender, server)
    assert failed.value.permanent is False and failed.value.status is None
    server.close()


def test_an_endpoint_that_cannot_go_in_a_request_line_is_refused(sender):
    with pytest.raises(TransportError) as refused:
        sender.send({"endpoint": "https://push.example.net/a b\r\nX: 1", "keys": DEVICE_KEYS},
                    {"title": "Tend"}, topic="dose-1", ttl=120)
    assert refused.value.permanent is True
