"""Playwright drives Debian's Chromium, headless, at a 390x844 phone viewport."""
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "device_scale_factor": 2,
            "is_mobile": True, "has_touch": True, "locale": "en-GB",
            "timezone_id": "Europe/London"}


@pytest.fixture
def fixed_time(page, clock):
    """Sets the server's clock and the page's clock to the same moment (the service worker
    keeps real time: it only sends what the page stamped)."""
    def set_to(when):
        clock.set(when)
        page.clock.set_fixed_time(when)
        return when
    return set_to
