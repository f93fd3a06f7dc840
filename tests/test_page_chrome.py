"""The frame around every page (top bar, navigation, the shell's prompts and the sign-out
dialog): parts of it are the same for everyone reading a language and are made once per
language, so two readers in different languages, or of different roles, must each still get
their own."""
from flask import url_for
from tests.conftest import login

from models import User, db


def _set_locale(person, locale: str) -> None:
    db.session.get(User, person.id).locale = locale
    db.session.commit()


def _page(browser, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_reader_gets_the_frame_in_their_own_language(app, alice, dave):
    _set_locale(dave, "de")
    english, german = app.test_client(), app.test_client()
    login(english, alice)
    login(german, dave)
    for _ in range(2):  # the second round is served from what the first one made
        page = _page(english, "/more")
        assert "A new version of Tend is ready." in page
        assert "Before you sign out" in page
        assert '<span>Today</span>' in page and '<span>Heute</span>' not in page
        page = _page(german, "/more")
        assert "Eine neue Version von Tend ist bereit." in page
        assert "Bevor du dich abmeldest" in page
        assert '<span>Heute</span>' in page and '<span>Today</span>' not in page
    signed_out = app.test_client()
    page = _page(signed_out, "/login")
    assert "A new version of Tend is ready." in page  # the prompts, without a signed-in frame
    assert "Before you sign out" not in page and 'class="mainnav"' not in page


def test_the_bar_marks_the_page_it_is_on_and_fits_the_role(app, alice, bob):
    client, therapist = app.test_client(), app.test_client()
    login(client, alice)
    login(therapist, bob)
    with app.test_request_context():
        today, more, care = url_for("client.today"), url_for("client.more"), url_for("care.home")
    assert f'<a href="{today}" aria-current="page">' in _page(client, today)
    page = _page(client, more)
    assert f'<a href="{more}" aria-current="page">' in page
    assert f'<a href="{today}">' in page and care not in page
    page = _page(therapist, care)
    assert f'<a href="{care}" aria-current="page">' in page
    assert f'href="{today}"' not in page and "<span>Clients</span>" in page
