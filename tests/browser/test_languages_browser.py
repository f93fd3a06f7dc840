"""Spanish and German on a phone: the key pages of a client and of a therapist at 390x844,
light and dark, fit the screen at 100% and 200% text (German words are long), keep 44 px
targets and pass axe; the offline page the service worker kept is in the account's language
although the browser asks for English. Screenshots: test-artifacts/screenshots/lang-*.png."""
import pytest
from playwright.sync_api import expect

from models import Category, Role, User, db
from tests.browser.helpers import assert_looks_finished
from tests.browser.pwa_helpers import (wait_for_kept_today, wait_for_offline_pages_in,
                                       wait_for_worker)
from tests.conftest import make_person
from tests.sharing_world import NOW, link, seed_record

CLIENT_PAGES = [("today", "/today"), ("checkin", "/checkin"), ("medications", "/medications"),
                ("history", "/history"), ("insights", "/insights"), ("sharing", "/sharing/"),
                ("reminders", "/reminders"), ("account", "/account"), ("help", "/help")]
ALL_SHARED = (Category.MEDICATIONS, Category.DOSE_LOG, Category.SIDE_EFFECTS, Category.SLEEP,
              Category.MOOD, Category.NOTES)
NO_CONNECTION = {"es": "Sin conexión ahora mismo", "de": "Gerade keine Verbindung"}
TODAY_HEADING = {"es": "Dosis de hoy", "de": "Heutige Dosen"}
# Words cut short with "…" (the navigation's labels may be, rather than overflow).
CUT_SHORT = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.offsetParent !== null && getComputedStyle(el).textOverflow === 'ellipsis')
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => el.textContent.trim())"""


@pytest.fixture
def record(app, clock, alice):
    clock.set(NOW)
    seed_record(alice)
    return alice


def speaks(person, language: str) -> None:
    db.session.get(User, person.id).locale = language
    db.session.commit()


def sign_in(page, base: str, person) -> None:
    """By the fields' names: the sign-in page is in the browser's language (English here)."""
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(person.email)
    page.locator("input[name=password]").fill(person.password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator("form[action='/logout']")).to_be_attached()
    page.wait_for_load_state()


def each_theme(page, name: str) -> None:
    assert page.evaluate(CUT_SHORT) == [], name
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        assert_looks_finished(page, f"{name}-{theme}")


def settle_in(page, language: str) -> None:
    """The worker registered on the (English) sign-in page is the same in every language: it
    only fetches the offline pages again in the account's (no new version, no reload)."""
    wait_for_worker(page)
    wait_for_offline_pages_in(page, language)


@pytest.mark.parametrize("language", ["es", "de"])
def test_a_clients_pages_read_well_in_each_language_and_theme(page, live_server, record,
                                                              language):
    speaks(record, language)
    sign_in(page, live_server, record)
    settle_in(page, language)
    for name, path in CLIENT_PAGES:
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.lang") == language
        each_theme(page, f"lang-{language}-{name}")
    page.goto(f"{live_server}/today")
    expect(page.get_by_role("heading", name=TODAY_HEADING[language])).to_be_visible()
    wait_for_kept_today(page)
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(NO_CONNECTION[language])
    page.wait_for_selector("html[data-offline-ready]", state="attached")
    assert page.evaluate("document.documentElement.lang") == language
    each_theme(page, f"lang-{language}-offline")


@pytest.mark.parametrize("language", ["es", "de"])
def test_the_prescriber_update_reads_well_in_each_language_and_theme(page, live_server, record,
                                                                     language):
    therapist = make_person("theo@example.com", "Theo Therapist", Role.THERAPIST)
    link(record, therapist, ALL_SHARED)
    speaks(therapist, language)
    sign_in(page, live_server, therapist)
    settle_in(page, language)
    for name, path in [("care-home", "/care/"), ("care-client", f"/care/clients/{record.id}"),
                       ("prescriber-update", f"/care/clients/{record.id}/update")]:
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.lang") == language
        each_theme(page, f"lang-{language}-{name}")


# The top bar's items (the brand, "Get help", "Sign out") and how many rows they take.
TOP_BAR_ROWS = """() => {
  const items = [...document.querySelectorAll('.topbar > *')]
    .filter(el => el.offsetParent !== null || getComputedStyle(el).display !== 'none')
    .map(el => el.getBoundingClientRect()).filter(box => box.width > 0);
  return new Set(items.map(box => Math.round(box.top))).size;
}"""


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_the_top_bar_takes_one_row_on_a_phone_in_each_language(page, live_server, record,
                                                               language):
    """The brand, "Get help" and "Sign out" side by side at 390 px and 100% text, each still
    a 44 px target ("Cerrar sesión" and "Abmelden" once took a row of their own)."""
    speaks(record, language)
    sign_in(page, live_server, record)
    page.goto(f"{live_server}/today")
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate(TOP_BAR_ROWS) == 1
    assert_looks_finished(page, f"lang-{language}-top-bar")
