"""What counts as a new version of the app, in real Chromium: a first visit and a sign-in in
another language than the browser's are the same version (no "A new version is ready", no
page loaded twice); a deployment that changes the worker is a new one, still offered. The
offline pages are in the account's language either way."""
import shutil
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

import pwa.routes
from models import Role, User, db
from tests.browser.helpers import screenshot
from tests.browser.pwa_helpers import (LOOK_FOR_A_NEW_VERSION, kept_offline_page_languages,
                                       wait_for_offline_pages_in, wait_for_worker, wait_until)
from tests.conftest import make_person

NEW_VERSION = "[data-pwa-update]"


@pytest.fixture
def greta(app):
    """A new account in German; the browser asks for English (en-GB)."""
    person = make_person("greta@example.com", "Greta", Role.CLIENT)
    db.session.get(User, person.id).locale = "de"
    db.session.commit()
    return person


def loads_of(page) -> list[str]:
    """The path of every page the tab loads from now on (a reload counts again)."""
    loads = []
    page.on("load", lambda loaded: loads.append(urlsplit(loaded.url).path))
    return loads


def sign_in(page, base: str, person) -> None:
    """By the fields' names: the sign-in page is in the browser's language, Today in the
    account's."""
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(person.email)
    page.locator("input[name=password]").fill(person.password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/today")
    expect(page.locator("form[action='/logout']")).to_be_attached()
    page.wait_for_load_state()


def test_a_first_visit_is_not_reloaded_when_the_first_worker_takes_control(page, live_server):
    loads = loads_of(page)
    page.goto(f"{live_server}/login")
    wait_for_worker(page)
    assert page.evaluate(LOOK_FOR_A_NEW_VERSION) is False
    expect(page.locator(NEW_VERSION)).to_be_hidden()
    assert loads == ["/login"]


def test_signing_in_in_another_language_is_no_new_version_and_loads_today_once(
        page, live_server, greta):
    loads = loads_of(page)
    sign_in(page, live_server, greta)
    assert page.evaluate("document.documentElement.lang") == "de"
    wait_for_worker(page)
    assert page.evaluate(LOOK_FOR_A_NEW_VERSION) is False
    wait_for_offline_pages_in(page, "de")  # kept in the account's language all the same
    expect(page.locator(NEW_VERSION)).to_be_hidden()
    assert loads == ["/login", "/today"]
    screenshot(page, "pwa-signed-in-de-today")
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gerade keine Verbindung")


def test_a_new_deployment_of_the_worker_is_still_offered_and_keeps_the_accounts_language(
        page, live_server, greta, tmp_path, monkeypatch):
    loads = loads_of(page)
    sign_in(page, live_server, greta)
    wait_for_worker(page)
    wait_for_offline_pages_in(page, "de")
    old_caches = set(page.evaluate("caches.keys()"))

    deployed = shutil.copytree(pwa.routes.HERE, tmp_path / "pwa")  # the worker script changes
    script = deployed / "sw.js"
    script.write_text(script.read_text() + "\n/* next release */\n")
    monkeypatch.setattr(pwa.routes, "HERE", deployed)
    assert page.evaluate(LOOK_FOR_A_NEW_VERSION) is True

    prompt = page.locator(NEW_VERSION)
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("Eine neue Version von Tend ist bereit.")
    screenshot(page, "pwa-new-version-de-today")
    # The new version kept its offline pages in the language the old one had been told.
    assert kept_offline_page_languages(page) == {"de"}
    assert len(page.evaluate("caches.keys()")) == 2
    with page.expect_event("load"):
        prompt.locator("[data-pwa-reload]").click()
    wait_for_worker(page)
    wait_until(lambda: not set(page.evaluate("caches.keys()")) & old_caches,
               "the old version's cache is gone")
    wait_for_offline_pages_in(page, "de")
    expect(prompt).to_be_hidden()
    assert loads == ["/login", "/today", "/today"]
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gerade keine Verbindung")
