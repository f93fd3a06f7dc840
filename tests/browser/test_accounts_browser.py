"""Accounts in a real browser at phone size: sign up, sign out, sign in, and what goes wrong."""
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, assert_looks_finished, screenshot
from tests.mailbox import inbox, link_in  # noqa: F401  (inbox is a fixture)

HOME_HEADINGS = {"client": "Hello, Robin", "therapist": "Your clients",
                 "caregiver": "People you support"}
ROLE_LABELS = {"client": "I keep my own record", "therapist": "I'm a therapist",
               "caregiver": "I support someone (family or friend)"}


def sign_in(page, base, email, password):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("role", ["client", "therapist", "caregiver"])
def test_sign_up_out_and_in_as_each_role(page, live_server, inbox, role):
    page.goto(f"{live_server}/signup")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")  # from the browser
    if role == "client":
        assert_looks_finished(page, "signup")
    page.get_by_label(ROLE_LABELS[role]).check()
    page.get_by_label("Your name").fill("Robin")
    page.get_by_label("E-mail").fill(f"robin.{role}@example.com")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.get_by_text("We've sent a message to")).to_contain_text(f"robin.{role}@example.com")
    if role == "client":
        assert_looks_finished(page, "signup-sent")
        assert_accessible(page)
    link = link_in(inbox.wait_for(1)[0], "/signup/confirm/")
    page.goto(live_server + urlsplit(link).path)
    if role == "client":
        assert_looks_finished(page, "signup-confirm")
    page.get_by_role("button", name="Create my account").click()
    first_page = "Add your first medication" if role == "client" else HOME_HEADINGS[role]
    expect(page.get_by_role("heading", level=1)).to_have_text(first_page)  # a client: the guide
    assert_looks_finished(page, f"home-{role}")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You've signed out.")).to_be_visible()
    if role == "client":
        assert_looks_finished(page, "login")
    sign_in(page, live_server, f"robin.{role}@example.com", "a long enough password")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADINGS[role])


def test_bad_sign_up_shows_the_message_at_the_field(page, live_server, alice):
    page.goto(f"{live_server}/signup")
    page.get_by_label("Your name").fill("Robin")
    page.get_by_label("E-mail").fill("robin@example")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("E-mail")).to_have_accessible_description(
        "We'll send a link to this address to finish. "
        "Enter a valid e-mail address, like name@example.com.")
    expect(page.get_by_label("Password")).to_have_accessible_description(
        "At least 10 characters. A few words you'll remember work well. "
        "Use between 10 and 200 characters.")
    expect(page.get_by_label("Your name")).to_have_value("Robin")
    expect(page.get_by_role("alert")).to_be_focused()
    assert_looks_finished(page, "signup-errors")


def test_wrong_password_and_unknown_email_read_the_same(page, live_server, alice):
    sign_in(page, live_server, alice.email, "not the password")
    wrong = page.get_by_role("alert").inner_text()
    sign_in(page, live_server, "nobody@example.com", "not the password")
    unknown = page.get_by_role("alert").inner_text()
    assert wrong == unknown == "That e-mail and password don't match an account. Please try again."
    screenshot(page, "login-error")


def test_many_wrong_passwords_ask_for_a_short_wait(page, live_server, alice):
    for _ in range(6):
        sign_in(page, live_server, alice.email, "not the password")
    expect(page.get_by_role("alert")).to_have_text(
        "There have been several attempts to sign in. For your safety, please wait 30 seconds "
        "before you try again. If you've forgotten your password, you can reset it.")
    expect(page.get_by_role("alert")).to_be_focused()
    assert_looks_finished(page, "login-slowed")
    assert_accessible(page)


def test_a_form_sent_without_its_csrf_token_is_refused(page, live_server, alice):
    page.goto(f"{live_server}/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_label("E-mail").fill(alice.email)
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This form has expired")
    page.goto(f"{live_server}/today")
    expect(page).to_have_url(f"{live_server}/login?next=/today")


def test_forgot_password_and_a_slowed_invitation_read_calmly(page, live_server, alice, inbox):
    page.goto(f"{live_server}/forgot-password")
    page.get_by_label("E-mail").fill("nobody@example.com")
    assert_looks_finished(page, "recovery-forgot")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    assert_looks_finished(page, "recovery-sent")
    for n in range(11):
        page.goto(f"{live_server}/care/invite/AAAA-BBBB-{n:04d}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait a moment")
    assert_looks_finished(page, "invitation-slowed")
    assert_accessible(page)
