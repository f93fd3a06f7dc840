"""The installable shell as the server serves it: manifest, service worker, offline page."""
import json
import os
import re
import shutil
import struct
from pathlib import Path

import pytest
from flask_babel import get_locale

import pwa.routes
from tests.conftest import csrf_token, login

ROOT = Path(__file__).resolve().parents[1]
PWA_STATIC = ROOT / "pwa" / "static"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def worker_settings(client) -> dict:
    """The settings the server writes at the top of /sw.js."""
    body = client.get("/sw.js").get_data(as_text=True)
    match = re.match(r"const TEND = (\{.*?\});\n", body)
    assert match, body[:200]
    return json.loads(match.group(1))


def test_the_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == manifest["short_name"] == "Tend"
    assert manifest["description"]
    assert (manifest["id"], manifest["start_url"], manifest["scope"]) == ("/", "/", "/")
    assert manifest["display"] == "standalone"
    brand = re.search(r"--brand:\s*(#[0-9a-f]{6})", (ROOT / "static/css/app.css").read_text())
    assert manifest["theme_color"] == brand.group(1)
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"),
            ("512x512", "maskable")} <= purposes
    assert {shot["form_factor"] for shot in manifest["screenshots"]} == {"narrow", "wide"}


def test_every_image_the_manifest_names_is_served_at_its_declared_size(client):
    manifest = client.get("/manifest.webmanifest").get_json(force=True)
    for image in manifest["icons"] + manifest["screenshots"]:
        assert client.get(image["src"]).status_code == 200, image["src"]
        path = PWA_STATIC / image["src"].removeprefix("/pwa/")
        assert "x".join(map(str, png_size(path))) == image["sizes"], image["src"]


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/offline"])
def test_every_page_links_the_manifest_and_the_shell_script(client, path):
    html = client.get(path).get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert re.search(r'<script src="/static/js/pwa\.js\?v=\w+" defer>', html)


def test_signed_in_pages_name_their_user_for_the_offline_data(client, alice):
    login(client, alice)
    html = client.get("/today").get_data(as_text=True)
    assert f'<meta name="tend-user" content="{alice.id}" data-keeps-record>' in html


def test_the_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "importScripts(...TEND.imports)" in response.get_data(as_text=True)


def test_the_worker_imports_the_push_handlers_file(client):
    imports = worker_settings(client)["imports"]
    push = next(url for url in imports if url.startswith("/sw-push.js"))
    response = client.get(push)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.get_data() == (ROOT / "pwa" / "sw-push.js").read_bytes()


def test_the_worker_precaches_every_static_file_by_version_and_nothing_private(app, client):
    settings = worker_settings(client)
    static = Path(app.static_folder)
    files = sorted(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file())
    cached = [url.split("?")[0].removeprefix("/static/") for url in settings["precache"]]
    assert cached == files + ["/offline", "/help/offline", "/help/plan/offline"]
    assert all("?v=" in url for url in settings["precache"] if url.startswith("/static/"))
    assert settings["offlinePage"] == "/offline"
    assert settings["offlinePages"] == {"/help": "/help/offline",
                                        "/help/plan": "/help/plan/offline"}
    assert not [url for url in settings["precache"] if url.startswith(("/api", "/today"))]


def test_changing_any_static_file_changes_the_worker(app, client, tmp_path):
    """Browsers install a new worker only when /sw.js changes byte for byte."""
    app.static_folder = str(shutil.copytree(app.static_folder, tmp_path / "static"))
    before = client.get("/sw.js").get_data()
    css = tmp_path / "static" / "css" / "app.css"
    css.write_text(css.read_text() + "\n/* next release */\n")
    os.utime(css, (css.stat().st_atime, css.stat().st_mtime + 5))
    after = client.get("/sw.js").get_data()
    assert after != before
    assert worker_settings(client)["version"] in after.decode()


def test_an_offline_page_changed_in_one_language_changes_the_worker_for_everyone(
        app, client, monkeypatch):
    """The worker is the same in every language, so its version covers the offline pages in
    all of them: a German wording change reaches a phone whose browser asks for English.
    (A wording changes under a running server only in debug mode; otherwise it comes with a
    restart, and the version is worked out again then: tests/test_page_caches.py.)"""
    app.debug = True
    before = client.get("/sw.js", headers={"Accept-Language": "en"}).get_data()
    rendered = pwa.routes.render_offline_page
    monkeypatch.setattr(pwa.routes, "render_offline_page", lambda: rendered() + (
        "<!-- neu formuliert -->" if str(get_locale()) == "de" else ""))
    after = client.get("/sw.js", headers={"Accept-Language": "en"}).get_data()
    assert after != before


def test_the_offline_page_names_nobody_and_sets_no_cookie(client, alice):
    anonymous = client.get("/offline")
    assert anonymous.status_code == 200
    assert "Set-Cookie" not in anonymous.headers
    html = anonymous.get_data(as_text=True)
    assert "No connection just now" in html
    assert "csrf-token" not in html and "tend-user" not in html
    login(client, alice)
    signed_in = client.get("/offline").get_data(as_text=True)
    assert alice.name not in signed_in and alice.email not in signed_in


def test_signing_out_tells_the_browser_to_clear_this_sites_storage(client, alice):
    login(client, alice)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/today")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?signed_out=1"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_signing_out_keeping_unsent_entries_spares_only_storage(client, alice):
    """The page's script asks for this after wiping all but the encrypted unsent entries."""
    login(client, alice)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/today"),
                                            "keep_unsent": "1"})
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/today").status_code == 302  # signed out all the same


def test_the_offline_queue_key_is_the_accounts_own_and_only_on_its_pages(client, alice, dave):
    key = re.compile(r'<meta name="tend-offline-key" content="([\w-]{43})">')
    assert not key.search(client.get("/login").get_data(as_text=True))
    assert not key.search(client.get("/offline").get_data(as_text=True))
    login(client, alice)
    alices = key.search(client.get("/today").get_data(as_text=True)).group(1)
    assert key.search(client.get("/today").get_data(as_text=True)).group(1) == alices
    assert not key.search(client.get("/offline").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/today")})
    login(client, dave)
    assert key.search(client.get("/today").get_data(as_text=True)).group(1) != alices


def test_the_connection_probe_answers_without_a_body_and_is_never_cached(client):
    for method in (client.head, client.get):
        response = method("/ping")
        assert response.status_code == 204 and response.get_data() == b""
        assert response.headers["Cache-Control"] == "no-store"


def test_the_offline_pages_forms_send_what_their_api_accepts(client):
    """Each queued form's fields, without its prefix, are fields of the API form it posts to."""
    from tend.client.forms import CheckInForm, DoseForm, SideEffectForm

    html = client.get("/offline").get_data(as_text=True)
    forms = re.findall(r'<form[^>]*data-offline="([\w-]+)" data-api="([^"]+)"'
                       r'(?: data-field-prefix="([\w-]*)")?[^>]*>(.*?)</form>', html, re.S)
    api_forms = {"/api/v1/doses": DoseForm, "/api/v1/side-effects": SideEffectForm,
                 "/api/v1/checkins": CheckInForm}
    assert {kind for kind, *_ in forms} == {"dose", "side-effect", "checkin"}
    for kind, api, prefix, body in forms:
        accepted = set(api_forms[api](meta={"csrf": False}, formdata=None)._fields)
        names = {name.removeprefix(prefix) for name in re.findall(r'name="([^"]+)"', body)}
        assert names <= accepted, (kind, names - accepted)
