"""Accounts: sign-up rules, sign-in, the throttle, and server-side sessions."""
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
import multiprocessing
import re
import statistics
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from models import PendingSignup, Role, User, UserSession, db
from tests.conftest import CSRF_META, PASSWORD, csrf_token, login
from tests.mailbox import inbox, link_in  # noqa: F401  (inbox is a fixture)


def signup_data(client, **changes):
    data = {"display_name": "Robin", "email": "robin@example.com", "password": "a long password",
            "role": "client", "timezone": "America/New_York", "csrf_token": csrf_token(client)}
    data.update(changes)
    return data


def _confirm_by_mail(client, inbox, email):
    """Follow the link in the newest mail to ``email`` and press its one button."""
    [message] = [m for m in inbox.wait_for(1) if m["To"] == email][-1:]
    path = urlsplit(link_in(message, "/signup/confirm/")).path
    page = client.get(path)
    assert page.status_code == 200 and "Create my account" in page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": CSRF_META.search(
        page.get_data(as_text=True)).group(1)})


@pytest.mark.parametrize("role", ["client", "therapist", "caregiver"])
def test_it_signs_up_each_role_through_the_mailed_link_and_lands_on_its_home(client, inbox,
                                                                           role):
    response = client.post("/signup", data=signup_data(client, role=role))
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None  # nothing until the address is confirmed
    confirmed = _confirm_by_mail(client, inbox, "robin@example.com")
    assert confirmed.status_code == 302
    home = client.get(confirmed.headers["Location"])
    if role == "client":  # a new client starts with the guided start
        assert urlsplit(confirmed.headers["Location"]).path == "/start"
        home = client.get(client.get("/start").headers["Location"])
    assert home.status_code == 200 and "Welcome to Tend, Robin." in home.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "robin@example.com"))
    assert user.role is Role(role) and user.timezone == "America/New_York"
    assert user.password_hash.startswith("scrypt:")
    assert client.get(urlsplit(confirmed.request.url).path).status_code == 404  # used up


def _visible(html: str, email: str) -> str:
    return re.sub(r'content="[^"]+"', "", html.replace(email, "EMAIL"))


def test_signing_up_with_an_address_that_has_an_account_looks_the_same_and_tells_the_owner(
        app, alice, inbox):
    """Nobody learns from the sign-up page whether an address has an account."""
    def sign_up(email):
        client = app.test_client()
        data = signup_data(client, email=email)
        started = time.perf_counter()
        response = client.post("/signup", data=data)
        return response, time.perf_counter() - started

    taken, _ = sign_up("ALICE@example.com")
    new, _ = sign_up("robin@example.com")
    assert taken.status_code == new.status_code == 200
    assert _visible(taken.get_data(as_text=True), "alice@example.com") == \
        _visible(new.get_data(as_text=True), "robin@example.com")
    # The same work, the password hash included: times are alike.
    taken_times = [sign_up(f"ALICE@example.com")[1] for _ in range(4)]
    new_times = [sign_up(f"robin{n}@example.com")[1] for n in range(4)]
    ratio = statistics.median(taken_times) / statistics.median(new_times)
    assert 0.5 < ratio < 2, (taken_times, new_times)

    messages = inbox.settled()
    to_alice = [m for m in messages if m["To"] == alice.email]
    assert len(to_alice) == 3, "at most three mails an hour to one address"
    assert to_alice[0]["Subject"] == "Someone tried to sign up with your e-mail address"
    assert "nothing has changed" in to_alice[0].get_content()
    assert "https://tend.example/forgot-password" in to_alice[0].get_content()
    assert db.session.scalar(select(User).where(User.email == "alice@example.com")
                             ).display_name == "Alice"


def test_sign_ups_from_one_address_slow_down(app):
    def sign_up(n, address):
        client = app.test_client()
        return client.post("/signup", data=signup_data(client, email=f"robin{n}@example.com"),
                           environ_base={"REMOTE_ADDR": address})

    for n in range(10):
        assert sign_up(n, ATTACKER).status_code == 200
    slowed = sign_up(10, ATTACKER)
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "60"
    assert "please wait 1 minute before you try again" in slowed.get_data(as_text=True).lower()
    assert sign_up(11, HOME).status_code == 200


@pytest.mark.parametrize("field, value, message", [
    ("password", "short", "Use between 10 and 200 characters"),
    ("timezone", "Mars/Olympus_Mons", "Choose a time zone from the list"),
    ("display_name", "x" * 10_000, "Use at most 80 characters"),
    ("email", "not-an-email", "Enter a valid e-mail address"),
    ("display_name", "", "Tell us what to call you"),
])
def test_it_explains_bad_signup_input_at_the_field_and_keeps_the_rest(client, alice, field,
                                                                      value, message):
    response = client.post("/signup", data=signup_data(client, **{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = html[html.index(f'id="{field}-error"'):]
    assert message in error[:300]
    assert f'aria-describedby="{field}-error"' in html or f"{field}-error" in html
    for other, kept in [("display_name", "Robin"), ("email", "robin@example.com")]:
        if other != field:
            assert f'value="{kept}"' in html
    assert '<option selected value="America/New_York">' in html or field == "timezone"
    assert db.session.scalar(select(PendingSignup)) is None


def test_it_stores_email_case_insensitively(client, inbox):
    client.post("/signup", data=signup_data(client, email="Robin@Example.COM"))
    _confirm_by_mail(client, inbox, "robin@example.com")
    assert db.session.scalar(select(User.email)) == "robin@example.com"


def test_it_answers_the_same_for_unknown_email_and_wrong_password(client, alice):
    token = csrf_token(client)
    wrong = client.post("/login", data={"email": alice.email, "password": "nope nope nope",
                                        "csrf_token": token})
    unknown = client.post("/login", data={"email": "nobody@example.com",
                                          "password": "nope nope nope", "csrf_token": token})
    assert wrong.status_code == unknown.status_code == 401
    message = "That e-mail and password don&#39;t match an account."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_it_signs_in_with_any_case_of_email(client, alice):
    response = client.post("/login", data={"email": "ALICE@example.com", "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/today"


ATTACKER, HOME, CAFE = "203.0.113.7", "198.51.100.20", "192.0.2.55"


def _bad_login(client, email, password="wrong password!", address=HOME):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_from_elsewhere_never_keep_the_owner_out(client, alice):
    for n in range(30):
        assert _bad_login(client, alice.email, address=f"203.0.113.{n}").status_code == 401
    for _ in range(20):
        _bad_login(client, alice.email, address=ATTACKER)
    assert _bad_login(client, alice.email, PASSWORD, address=HOME).status_code == 302


def test_one_address_and_account_slow_down_after_five_failures_and_never_lock(client, alice,
                                                                              clock):
    clock.set(datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc))
    for _ in range(5):
        assert _bad_login(client, alice.email).status_code == 401
    refused = _bad_login(client, alice.email, PASSWORD)
    assert refused.status_code == 429, "even the right password waits its turn"
    assert refused.headers["Retry-After"] == "30"
    html = refused.get_data(as_text=True)
    assert "please wait 30 seconds before you try again" in html
    assert 'href="/forgot-password"' in html
    clock.advance(seconds=30)
    assert _bad_login(client, alice.email).status_code == 401
    assert _bad_login(client, alice.email).headers["Retry-After"] == "60"  # doubles
    for _ in range(12):  # never more than a quarter of an hour
        clock.advance(minutes=15)
        _bad_login(client, alice.email)
    assert _bad_login(client, alice.email).headers["Retry-After"] == "900"
    clock.advance(minutes=15)
    assert _bad_login(client, alice.email, PASSWORD).status_code == 302


def test_a_good_sign_in_starts_the_count_again(client, alice):
    for _ in range(4):
        _bad_login(client, alice.email)
    assert _bad_login(client, alice.email, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/today")})
    for _ in range(4):
        assert _bad_login(client, alice.email).status_code == 401


def test_one_address_trying_many_accounts_is_slowed_not_locked(app, client, alice, dave,
                                                               clock):
    clock.set(datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc))
    for n in range(50):
        assert _bad_login(client, f"user{n}@example.com", address=ATTACKER).status_code == 401
    slowed = _bad_login(client, dave.email, PASSWORD, address=ATTACKER)
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "1"
    assert _bad_login(app.test_client(), alice.email, PASSWORD, address=HOME).status_code == 302
    clock.advance(seconds=1)
    assert _bad_login(client, dave.email, PASSWORD, address=ATTACKER).status_code == 302


def test_an_ipv6_network_counts_as_one_address(client, alice, clock):
    clock.set(datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc))
    for n in range(5):
        _bad_login(client, alice.email, address=f"2001:db8:1:2::{n + 1:x}")
    assert _bad_login(client, alice.email, address="2001:db8:1:2:ffff::1").status_code == 429
    assert _bad_login(client, alice.email, PASSWORD, address="2001:db8:9::1").status_code == 302


def _attempt_in_own_process(database_url: str, email: str, password: str) -> int:
    """One sign-in attempt from a separate worker process with its own app and engine."""
    from tests.conftest import csrf_token as token_of, make_test_app

    worker_app = make_test_app(SQLALCHEMY_DATABASE_URI=database_url)
    with worker_app.app_context():
        client = worker_app.test_client()
        return client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token_of(client)}).status_code


def test_the_throttle_holds_across_worker_processes(database_url, alice):
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=3, mp_context=spawn) as pool:
        statuses = list(pool.map(_attempt_in_own_process, [database_url] * 5,
                                 [alice.email] * 5, ["wrong password!"] * 5))
        assert statuses == [401] * 5
        sixth = pool.submit(_attempt_in_own_process, database_url, alice.email,
                            "wrong password!").result()
        right = pool.submit(_attempt_in_own_process, database_url, alice.email,
                            PASSWORD).result()
    assert sixth == 429 and right == 429


def test_a_cookie_captured_before_logout_is_refused_after_it(app, alice):
    browser = app.test_client()
    login(browser, alice)
    stolen = browser.get_cookie("tend_session").value
    assert browser.get("/today").status_code == 200
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/today")})

    attacker = app.test_client()
    attacker.set_cookie("tend_session", stolen, domain="localhost")
    response = attacker.get("/today")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert attacker.get("/api/v1/me").status_code == 401


def test_a_password_change_signs_out_every_other_device(app, alice):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, alice)
    login(laptop, alice)
    response = phone.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new password",
        "csrf_token": csrf_token(phone, "/account/password")})
    assert response.status_code == 302
    assert phone.get("/today").status_code == 200
    assert laptop.get("/today").status_code == 302
    assert laptop.get("/api/v1/me").status_code == 401


def test_a_wrong_current_password_changes_nothing(client, alice):
    login(client, alice)
    response = client.post("/account/password", data={
        "current_password": "not my password", "new_password": "a brand new password",
        "csrf_token": csrf_token(client, "/account/password")})
    assert response.status_code == 400
    assert "That isn&#39;t your current password." in response.get_data(as_text=True)
    assert client.get("/today").status_code == 200


def test_sessions_end_after_idle_and_absolute_limits(client, alice, clock):
    login(client, alice)
    clock.advance(hours=1, minutes=59)
    assert client.get("/today").status_code == 200
    clock.advance(hours=2, minutes=1)
    assert client.get("/today").status_code == 302, "idle for over two hours"

    login(client, alice)
    for _ in range(13):
        clock.advance(hours=1, minutes=55)
        client.get("/today")
    assert client.get("/today").status_code == 302, "over a day old, however active"


def test_a_remembered_device_stays_signed_in_and_can_be_signed_out(app, alice, clock):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, alice, remember=True)
    login(laptop, alice)
    clock.advance(days=3)
    assert phone.get("/today").status_code == 200
    remembered = db.session.scalar(select(UserSession).where(UserSession.remember.is_(True)))
    login(laptop, alice)
    page = laptop.get("/account").get_data(as_text=True)
    assert f"/account/devices/{remembered.id}/end" in page
    laptop.post(f"/account/devices/{remembered.id}/end",
                data={"csrf_token": csrf_token(laptop, "/account")})
    assert phone.get("/today").status_code == 302


def test_nobody_can_end_someone_elses_device(app, alice, dave):
    alices, daves = app.test_client(), app.test_client()
    login(alices, alice)
    login(daves, dave)
    alice_session = db.session.scalar(select(UserSession).where(UserSession.user_id == alice.id))
    response = daves.post(f"/account/devices/{alice_session.id}/end",
                          data={"csrf_token": csrf_token(daves, "/account")})
    assert response.status_code == 404
    assert alices.get("/today").status_code == 200


def test_the_profile_keeps_a_new_time_zone(client, alice):
    login(client, alice)
    response = client.post("/account", data={"display_name": "Alice B", "timezone": "Asia/Tokyo",
                                             "csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302
    user = db.session.get(User, alice.id)
    assert (user.display_name, user.timezone) == ("Alice B", "Asia/Tokyo")


def test_next_only_leads_to_this_site(client, alice):
    data = {"email": alice.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post("/login?next=//evil.example/steal", data=data)
    assert response.headers["Location"] == "/today"


def test_signing_out_this_device_from_the_account_page_clears_it(client, alice):
    login(client, alice)
    this = db.session.scalar(select(UserSession).where(UserSession.user_id == alice.id))
    response = client.post(f"/account/devices/{this.id}/end",
                           data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302 and "signed_out=1" in response.headers["Location"]
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/today").status_code == 302
