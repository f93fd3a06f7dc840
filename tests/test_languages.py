"""Tend speaks English, Spanish and German: pages before sign-in follow the browser's
Accept-Language, the sign-up page and the account page pick a language, and that language is
the account's for its pages, its e-mails and its reminders."""
import json
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from models import User, db
from tend.reminders import choices, messages
from tests.conftest import CSRF_META, api_headers, csrf_token, login
from tests.mailbox import inbox, link_in  # noqa: F401  (inbox is a fixture)
from tend.reminders import planner
from tests.reminder_helpers import add_medication, at, reminders, subscribe

HTML_LANG = re.compile(r'<html lang="([^"]+)"')


class Device:
    endpoint, p256dh, auth = "https://push.example.net/sub/1", "B" + "A" * 86, "A" * 22


@pytest.mark.parametrize("header, lang, heading", [
    ("de-DE,de;q=0.9,en;q=0.5", "de", "Anmelden"),
    ("es-MX,es;q=0.8", "es", "Iniciar sesión"),
    ("fr-FR,fr;q=0.9", "en", "Sign in"),
])
def test_pages_before_sign_in_follow_the_browsers_language(client, header, lang, heading):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert HTML_LANG.search(page).group(1) == lang
    assert f"<h1>{heading}</h1>" in page


def test_the_offline_page_is_in_the_browsers_language(client):
    page = client.get("/offline", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert HTML_LANG.search(page).group(1) == "es" and "Sin conexión" in page


def test_the_sign_up_page_offers_each_language_named_in_itself_with_the_browsers_checked(client):
    page = client.get("/signup", headers={"Accept-Language": "de"}).get_data(as_text=True)
    options = re.findall(r'<input([^>]*)name="locale"[^>]*value="(\w+)">\s*<span lang="(\w+)">'
                         r'([^<]+)</span>', page)
    assert [(value, lang, name) for _attrs, value, lang, name in options] == [
        ("en", "en", "English"), ("de", "de", "Deutsch"), ("es", "es", "Español")]
    assert [value for attrs, value, _lang, _name in options if "checked" in attrs] == ["de"]


def test_it_signs_up_in_the_language_picked_there_and_keeps_it(client, inbox):
    data = {"display_name": "Robin", "email": "robin@example.com", "password": "a long password",
            "role": "client", "timezone": "Europe/Madrid", "locale": "es",
            "csrf_token": csrf_token(client, "/signup")}
    sent = client.post("/signup", data=data, headers={"Accept-Language": "en"})
    assert "Mira tu correo" in sent.get_data(as_text=True)
    [mail] = inbox.wait_for(1)
    assert mail["Subject"] == "Confirma tu cuenta de Tend"
    assert "Para terminar de crear tu cuenta de Tend" in mail.get_content()
    path = urlsplit(link_in(mail, "/signup/confirm/")).path
    page = client.get(path).get_data(as_text=True)
    assert "Crear mi cuenta" in page
    confirmed = client.post(path, data={"csrf_token": CSRF_META.search(page).group(1)})
    start = client.get(confirmed.headers["Location"])  # the guided start, at its first step
    home = client.get(start.headers["Location"]).get_data(as_text=True)
    assert "Te damos la bienvenida a Tend, Robin." in home and HTML_LANG.search(home).group(1) == "es"
    assert db.session.scalar(select(User.locale).where(User.email == "robin@example.com")) == "es"


def test_a_language_the_server_does_not_ship_is_refused_at_the_field(client):
    data = {"display_name": "Robin", "email": "robin@example.com", "password": "a long password",
            "role": "client", "timezone": "Europe/Madrid", "locale": "xx",
            "csrf_token": csrf_token(client, "/signup")}
    response = client.post("/signup", data=data)
    assert response.status_code == 400
    assert "Choose one of the languages listed." in response.get_data(as_text=True)


def test_the_account_page_changes_the_language_of_every_page(client, alice):
    login(client, alice)
    account = client.get("/account").get_data(as_text=True)
    assert re.findall(r'<input checked[^>]*name="locale"[^>]*value="(\w+)"', account) == ["en"]
    saved = client.post("/account/language", data={"locale": "de",
                                                   "csrf_token": csrf_token(client, "/account")})
    assert saved.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert HTML_LANG.search(page).group(1) == "de"
    assert "Tend ist jetzt in dieser Sprache." in page and "<h1>Konto</h1>" in page
    assert "Nebenwirkung eintragen" in client.get("/today").get_data(as_text=True)
    refused = client.post("/account/language", data={"locale": "klingon",
                                                     "csrf_token": csrf_token(client, "/account")})
    assert refused.status_code == 400
    assert "Wähle eine der aufgeführten Sprachen." in refused.get_data(as_text=True)
    assert db.session.get(User, alice.id).locale == "de"


@pytest.mark.parametrize("locale, text", [
    ("es", "Es la hora de tu medicación de las 8:00."),
    ("de", "Zeit für dein Medikament um 08:00."),
])
def test_reminders_are_written_in_the_accounts_language(app, clock, alice, locale, text):
    db.session.get(User, alice.id).locale = locale
    db.session.commit()
    clock.set(at(7, 0))
    add_medication(alice, clock(), name="Quetiapine")
    subscribe(alice, Device(), clock())
    planner.plan_all(db.session, clock())
    db.session.commit()
    [reminder] = [r for r in reminders() if r.due_at == at(8, 0)]
    with app.test_request_context("/", base_url=app.config["TEND_BASE_URL"]):
        payload = messages.payload_for(reminder, db.session.get(User, alice.id),
                                       choices.settings_of(db.session, alice.id), clock())
    assert payload["body"] == payload["notification"]["body"] == text
    assert payload["notification"]["lang"] == locale


def test_the_worker_is_the_same_in_every_language_and_the_offline_pages_follow_the_one_named(
        app, client, alice):
    """A language is not a new version: /sw.js is the same byte for byte whatever the
    account's or the browser's language (else signing in would offer "A new version"). The
    worker fetches the offline pages without cookies and names the language the pages told
    it (static/js/pwa.js); the server answers in that language."""
    def worker(language):
        return client.get("/sw.js", headers={"Accept-Language": language}).get_data()

    anonymous = worker("en")
    assert worker("es") == anonymous
    login(client, alice)
    assert worker("en") == anonymous
    db.session.get(User, alice.id).locale = "de"
    db.session.commit()
    assert worker("en") == worker("de") == anonymous
    assert b'"language"' not in anonymous
    settings = json.loads(anonymous.decode().split("\n", 1)[0].removeprefix("const TEND = ")
                          .rstrip(";"))
    cookieless = app.test_client()  # as the worker asks: no cookies, the language named
    for url in [settings["offlinePage"], *settings["offlinePages"].values()]:
        page = cookieless.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True)
        assert HTML_LANG.search(page).group(1) == "de", url
    offline = cookieless.get(settings["offlinePage"], headers={"Accept-Language": "de"})
    assert "Keine Verbindung" in offline.get_data(as_text=True)


def test_the_api_answers_in_the_accounts_language(client, alice):
    db.session.get(User, alice.id).locale = "es"
    db.session.commit()
    login(client, alice)
    refused = client.patch("/api/v1/me", json={"timezone": "Nowhere/Special"},
                           headers=api_headers(client, "/today"))
    assert refused.status_code == 400
    assert refused.json["fields"]["timezone"] == ["Elige una zona horaria de la lista."]
    document = json.dumps(client.get("/api/v1/openapi.json").json, ensure_ascii=False)
    assert "Lo ven las personas con las que elijas compartir." in document


def test_a_page_switches_language_inside_force_locale_and_back(app):
    """Templates keep the request's catalogue (tend.i18n.page_translations): an e-mail in its
    reader's language, written while a page is being made, must still switch it, both ways."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        before = render_template_string("{{ _('Today') }}")
        with force_locale("de"):
            inside = render_template_string("{{ _('Today') }}")
        after = render_template_string("{{ _('Today') }}")
    assert (before, inside, after) == ("Hoy", "Heute", "Hoy")


def test_a_template_string_says_what_it_says_with_or_without_values(app):
    """``_()`` in templates formats like Jinja's own: values are escaped and "%%" is a percent
    sign, also in a string without values (tend.i18n._page_gettext)."""
    from flask import render_template_string

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        html = render_template_string(
            "{{ _('Today') }}|{{ _('100%% yours') }}|{{ _('Hi %(name)s', name=who) }}",
            who="<b>")
    assert html == "Today|100% yours|Hi &lt;b&gt;"
