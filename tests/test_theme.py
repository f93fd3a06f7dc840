"""Light, dark, or as the device is set: the account keeps the choice and every page's <html>
carries it before the first paint; the styles name sides logically, so a right-to-left
language needs no CSS of its own."""
import re
from pathlib import Path

from models import User, db
from tests.conftest import csrf_token, login

ROOT = Path(__file__).resolve().parents[1]
# Properties that name a physical side; their logical forms follow the writing direction.
PHYSICAL_SIDES = re.compile(r"(?<![\w-])(left|right|(margin|padding|border)-(left|right)[\w-]*"
                            r"|text-align:\s*(left|right)|float:\s*(left|right))\s*:?")
# A colour written in a rule instead of taken from a custom property.
RAW_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|(?<![\w-])(white|black)(?![\w-])")


def css_lines(path: Path) -> list[str]:
    """The lines of a style sheet without its comments (line numbers kept)."""
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), path.read_text(),
                  flags=re.S).splitlines()


def html_tag(client, path="/account") -> str:
    return re.search(r"<html[^>]*>", client.get(path).get_data(as_text=True)).group(0)


def choose(client, theme):
    return client.post("/account/theme", data={"theme": theme,
                                               "csrf_token": csrf_token(client, "/account")})


def test_it_keeps_the_choice_on_the_account_and_puts_it_on_every_page(client, alice):
    login(client, alice)
    assert "theme-" not in html_tag(client)  # as the device is set, by default
    response = choose(client, "dark")
    assert response.status_code == 302
    assert db.session.get(User, alice.id).theme == "dark"
    assert 'class="theme-dark"' in html_tag(client, "/today")
    assert 'class="theme-dark"' in html_tag(client, "/history")
    choose(client, "light")
    assert 'class="theme-light"' in html_tag(client, "/today")
    choose(client, "system")
    assert "theme-" not in html_tag(client, "/today")


def test_the_account_page_offers_the_three_choices(client, alice):
    login(client, alice)
    page = client.get("/account").get_data(as_text=True)
    assert "How Tend looks" in page
    for value in ("system", "light", "dark"):
        assert re.search(rf'<input[^>]*name="theme"[^>]*value="{value}"', page)
    assert re.search(r'<input[^>]*checked[^>]*value="system"|value="system"[^>]*checked', page)


def test_an_unknown_theme_is_refused_at_the_field(client, alice):
    login(client, alice)
    response = choose(client, "purple")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="theme-error"' in page
    assert db.session.get(User, alice.id).theme == "system"


def test_the_styles_name_no_physical_side():
    found = []
    for path in sorted((ROOT / "static" / "css").glob("*.css")):
        for number, line in enumerate(css_lines(path), 1):
            if PHYSICAL_SIDES.search(line):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == []


def test_colours_live_in_custom_properties_with_a_dark_value():
    """Every colour is a custom property set with light-dark(light, dark), so light, dark and
    charts (classes styled in app.css) follow the theme; print stays black on white, and
    browsers without light-dark() get the light colours."""
    found = []
    for path in sorted((ROOT / "static" / "css").glob("*.css")):
        depth, print_depth = 0, None
        for number, line in enumerate(css_lines(path), 1):
            if line.startswith(("@media print", "@supports not (color: light-dark(")):
                print_depth = depth
            if RAW_COLOUR.search(line) and "light-dark(" not in line and print_depth is None:
                found.append(f"{path.name}:{number}: {line.strip()}")
            depth += line.count("{") - line.count("}")
            if print_depth is not None and depth == print_depth:
                print_depth = None
    assert found == []
