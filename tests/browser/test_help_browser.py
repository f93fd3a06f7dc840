"""Get help in real Chromium at 390x844: contacts entered on the phone, the page kept for use
without a connection (after one online visit), kept fresh after an edit, and gone from the
phone at sign-out. Also what a therapist sees with the "Help contacts" grant."""
from playwright.sync_api import expect

from models import Category
from tests.browser.helpers import assert_accessible, assert_looks_finished, screenshot
from tests.browser.pwa_helpers import (offline_database, sign_in, sign_out, wait_for_worker,
                                       wait_until)
from tests.sharing_world import link


def kept_help(page) -> dict | None:
    return page.evaluate("TendOffline.snapshot('help').then(kept => kept && kept.data)")


def add_contact(page, kind: str, name: str, phone: str, texting=False, note=""):
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Phone number").fill(phone)
    if texting:
        page.get_by_label("This number can get text messages").check()
    if note:
        page.get_by_label("Note (optional)").fill(note)
    page.get_by_role("button", name="Save").click()


def test_get_help_opens_offline_with_the_clients_contacts_and_emergency_number(page,
                                                                              live_server,
                                                                              alice):
    sign_in(page, live_server, alice)
    page.get_by_role("link", name="Get help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help")

    # A number the phone can't dial is refused at its field, with the rest kept.
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Crisis line", exact=True).check()
    page.get_by_label("Name", exact=True).fill("Samaritans")
    page.get_by_label("Phone number").fill("116 123 (free) x")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#phone-error")).to_contain_text("Use only digits, spaces, dashes")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Samaritans")
    assert_accessible(page)
    assert_looks_finished(page, "help-contact-form-error")
    page.get_by_label("Phone number").fill("116 123")
    page.get_by_label("Note (optional)").fill("Any time, day or night")
    page.get_by_role("button", name="Save").click()
    add_contact(page, "Someone I trust", "Sam (my sister)", "+44 7700 900123", texting=True,
                note="After 6 pm")

    expect(page.get_by_text("If you or someone else is in danger now, call 999 or 112."))\
        .to_be_visible()
    expect(page.get_by_role("link", name="Call Samaritans")).to_have_attribute(
        "href", "tel:116123")
    expect(page.get_by_role("link", name="Text Sam (my sister)")).to_have_attribute(
        "href", "sms:+447700900123")
    assert_accessible(page)
    assert_looks_finished(page, "help")

    wait_for_worker(page)
    wait_until(lambda: len((kept_help(page) or {}).get("contacts", [])) == 2,
               "Get help is kept on this phone")
    page.context.set_offline(True)
    page.goto(f"{live_server}/help")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help")
    expect(page.get_by_text("No connection just now: this is the copy kept on this phone."))\
        .to_be_visible()
    expect(page.get_by_text("If you or someone else is in danger now, call 999 or 112."))\
        .to_be_visible()
    expect(page.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
    expect(page.get_by_role("link", name="Call Samaritans")).to_have_attribute(
        "href", "tel:116123")
    expect(page.get_by_text("Any time, day or night")).to_be_visible()
    expect(page.get_by_role("link", name="Text Sam (my sister)")).to_have_attribute(
        "href", "sms:+447700900123")
    expect(page.get_by_role("link", name="Text Samaritans")).to_have_count(0)
    assert_accessible(page)
    assert_looks_finished(page, "help-offline")
    # One tap away on the general offline page too.
    page.goto(f"{live_server}/today")
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection just now")
    page.get_by_role("link", name="Get help").click()
    expect(page.get_by_role("link", name="Call Samaritans")).to_be_visible()

    # An edit made online is what the phone shows the next time it is offline.
    page.context.set_offline(False)
    page.goto(f"{live_server}/help")
    page.get_by_role("link", name="Edit Sam (my sister)").click()
    page.get_by_label("Name", exact=True).fill("Sam Okafor")
    page.get_by_role("button", name="Save").click()
    wait_until(lambda: "Sam Okafor" in [c["name"] for c in kept_help(page)["contacts"]],
               "the edited contact is kept")
    page.context.set_offline(True)
    page.goto(f"{live_server}/help")
    expect(page.get_by_role("link", name="Call Sam Okafor")).to_be_visible()
    expect(page.get_by_text("Sam (my sister)")).to_have_count(0)

    # Signing out takes the copy off the phone.
    page.context.set_offline(False)
    page.goto(f"{live_server}/help")
    sign_out(page)
    wait_until(lambda: "help" not in ((offline_database(page) or {}).get("snapshots") or {}),
               "the kept copy of Get help is gone")


def test_a_therapist_with_the_grant_sees_the_help_contacts(page, live_server, app, alice, bob):
    link(alice, bob, [Category.MEDICATIONS, Category.CONTACTS])
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/help")
    add_contact(page, "Crisis line", "Samaritans", "116 123", note="Any time, day or night")
    sign_out(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, bob)
    page.goto(f"{live_server}/care/clients/{alice.id}")
    section = page.locator("[data-category=contacts]")
    expect(section).to_contain_text("Samaritans")
    expect(section.get_by_role("link", name="Call Samaritans")).to_have_attribute(
        "href", "tel:116123")
    assert_accessible(page)
    screenshot(page, "care-client-help-contacts")
