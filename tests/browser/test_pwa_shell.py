"""The installable shell in real Chromium with a real service worker: install, offline page,
updates, and what is left on the phone after signing out."""
import os
import shutil

from playwright.sync_api import expect

from tests.browser.helpers import assert_looks_finished, screenshot
from tests.browser.pwa_helpers import (cache_contents, offline_database, sign_in, sign_out,
                                       wait_for_shell, wait_for_worker)


def test_the_worker_installs_controls_the_page_and_caches_only_public_files(page, live_server):
    page.goto(f"{live_server}/login")
    wait_for_worker(page)
    cached = cache_contents(page)
    assert len(cached) == 1 and next(iter(cached)).startswith("tend-shell-")
    urls = next(iter(cached.values()))
    assert "/offline" in urls and "/help/plan/offline" in urls  # pages that name nobody
    assert any(url.startswith("/static/css/app.css?v=") for url in urls)
    assert "/help/offline" in urls  # Get help's own offline page, naming nobody either
    assert all(url in ("/offline", "/help/offline", "/help/plan/offline")
               or url.startswith("/static/")
               for url in urls)


def test_the_offline_page_works_with_the_network_off(page, live_server):
    page.goto(f"{live_server}/")
    wait_for_worker(page)
    page.context.set_offline(True)
    page.goto(f"{live_server}/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(244, 247, 246)"  # the stylesheet came from the worker's cache
    assert_looks_finished(page, "pwa-offline")
    page.context.set_offline(False)  # it notices by itself ("Try again" is for the impatient)
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")


def test_a_new_version_waits_until_the_person_reloads(page, live_server, app, tmp_path):
    app.static_folder = str(shutil.copytree(app.static_folder, tmp_path / "static"))
    page.goto(f"{live_server}/login")
    wait_for_worker(page)
    old_caches = set(cache_contents(page))
    expect(page.get_by_text("A new version of Tend is ready.")).to_be_hidden()

    css = tmp_path / "static" / "css" / "app.css"  # a deployment changes an asset
    css.write_text(css.read_text() + "\n.next-release { color: inherit; }\n")
    os.utime(css, (css.stat().st_atime, css.stat().st_mtime + 5))
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")

    expect(page.get_by_text("A new version of Tend is ready.")).to_be_visible()
    screenshot(page, "pwa-update-prompt")
    assert set(cache_contents(page)) >= old_caches  # the old version still serves this page
    with page.expect_event("load"):
        page.get_by_role("button", name="Reload").click()
    wait_for_worker(page)
    new_caches = set(cache_contents(page))
    assert len(new_caches) == 1 and not new_caches & old_caches
    expect(page.get_by_text("A new version of Tend is ready.")).to_be_hidden()


def test_after_signing_out_nothing_of_the_client_is_left(page, live_server, alice):
    sign_in(page, live_server, alice)
    wait_for_worker(page)
    wait_for_shell(page)
    assert offline_database(page)["meta"]["owner"] == str(alice.id)
    sign_out(page)
    expect(page.get_by_text("You've signed out.")).to_be_visible()
    assert offline_database(page) in (None, {"meta": {}, "snapshots": {}, "queue": {}})
    for urls in cache_contents(page).values():
        assert all(url in ("/offline", "/help/offline") or url.startswith("/static/")
                   for url in urls)


def test_an_iphone_gets_instructions_to_add_tend_to_the_home_screen(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                   "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
    page = context.new_page()
    page.goto(f"{live_server}/")
    instructions = page.locator("[data-pwa-ios]")
    expect(instructions).to_contain_text("Add to Home Screen")
    assert_looks_finished(page, "pwa-iphone-install")
    instructions.get_by_role("button", name="Not now").click()
    expect(instructions).to_be_hidden()
    page.reload()
    expect(instructions).to_be_hidden()
    context.close()
