"""WebKit and Firefox for the key flows (issue 19). Run with the browser tests (SQLite only);
skipped with a line saying what is missing when the machine lacks an engine, and failing in CI,
where `make test` installs them."""
import os
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.engines.drivers import PHONE, Firefox, VirtualDisplay, WebKit, missing_for

ENGINES = ("webkit", "firefox")
# Zones a client might live in, one for each hour's offset: the test picks the one where it
# is now around midday, so the doses it plans are all on one local day whatever the hour.
ZONES = ("Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
         "America/Chicago", "America/New_York", "America/Sao_Paulo", "Atlantic/South_Georgia",
         "Atlantic/Cape_Verde", "Europe/London", "Europe/Berlin", "Europe/Athens",
         "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka", "Asia/Bangkok",
         "Asia/Shanghai", "Asia/Tokyo", "Australia/Brisbane", "Pacific/Noumea",
         "Pacific/Auckland")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/engines/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.engines)


def _needs(engine: str) -> None:
    missing = missing_for(engine)
    if not missing:
        return
    message = f"{engine} is not installed here ({', '.join(missing)}): run `make test` as root"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_display() -> int:
    number = 90
    while Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
        number += 1
    return number


@pytest.fixture(scope="session")
def displays():
    """Virtual displays for WebKit, one per screen size, started on first use."""
    started: dict[tuple[int, int], VirtualDisplay] = {}

    def of_size(size):
        if size not in started:
            started[size] = VirtualDisplay(_free_display(), size)
        return started[size]

    yield of_size
    for display in started.values():
        display.stop()


@pytest.fixture
def midday_zone() -> str:
    now = datetime.now(timezone.utc)
    return min(ZONES, key=lambda zone: abs(now.astimezone(ZoneInfo(zone)).hour + 0.5 - 12.5))


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    _needs(request.param)
    return request.param


@pytest.fixture
def open_browser(engine, displays, midday_zone):
    """``open_browser(size)``: the engine at that window size, in the client's zone; closed
    after the test."""
    opened = []

    def launch(size=PHONE):
        browser = (WebKit(displays(size), midday_zone) if engine == "webkit"
                   else Firefox(midday_zone, size))
        opened.append(browser)
        return browser

    yield launch
    for browser in opened:
        browser.quit()


class _TrackedHandler(WSGIRequestHandler):
    """Remembers its connection, so stopping the server can also end kept-alive ones."""

    def setup(self):
        super().setup()
        self.server.open_connections.add(self.connection)

    def finish(self):
        self.server.open_connections.discard(self.connection)
        super().finish()


class SwitchableServer:
    """The app on one port that can stop answering and come back, as a lost connection does
    for a phone (WebKit's driver cannot take a page offline)."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True,
                                  request_handler=_TrackedHandler)
        self.server.open_connections = set()
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        for connection in list(self.server.open_connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.thread.join(timeout=5)


@pytest.fixture
def server(app):
    running = SwitchableServer(app)
    yield running
    running.stop()
