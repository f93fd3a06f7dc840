"""A real local SMTP server (aiosmtpd) for tests that read the mail Tend sends.

Import the ``inbox`` fixture into a test module: ``from tests.mailbox import inbox``."""
import re
import socket
import time as wallclock
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tend import deferred

LINK = re.compile(r"https?://\S+")


class Inbox:
    """An SMTP handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 10):
        deadline = wallclock.monotonic() + seconds
        while len(self.messages) < count and wallclock.monotonic() < deadline:
            wallclock.sleep(0.05)
        return self.messages

    def settled(self):
        """Every message, once the work queued after each answer has run and mail has had a
        moment to arrive (for tests that check what was not sent)."""
        deferred.wait_until_done()
        wallclock.sleep(0.3)
        return self.messages


def link_in(message, path_part: str) -> str:
    return next(link for link in LINK.findall(message.get_content()) if path_part in link)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(TEND_SMTP_HOST="127.0.0.1", TEND_SMTP_PORT=controller.port,
                      TEND_MAIL_FROM="Tend <no-reply@tend.example>",
                      TEND_BASE_URL="https://tend.example")
    yield handler
    deferred.wait_until_done()
    controller.stop()
