"""What pages keep between requests to be quick (issue 20) stays right for every request:
asset URLs follow the place the app is mounted at and a changed file; the worker's version
follows a changed file and a restart."""
import os
import re
import shutil

import pwa.routes
from tests.conftest import make_test_app
from tests.test_pwa import worker_settings


def css_url(response) -> str:
    return re.search(r'<link rel="stylesheet" href="([^"]+)"', response.get_data(as_text=True))[1]


def test_asset_urls_follow_the_place_the_app_is_mounted_at(client):
    at_root = css_url(client.get("/login"))
    mounted = css_url(client.get("/login", base_url="http://localhost/tend/"))
    again_at_root = css_url(client.get("/login"))
    assert at_root.startswith("/static/css/app.css?v=")
    assert mounted == "/tend" + at_root
    assert again_at_root == at_root


def test_a_changed_static_file_is_named_by_its_new_version_once_the_worker_lists_it(
        app, client, tmp_path):
    app.static_folder = str(shutil.copytree(app.static_folder, tmp_path / "static"))
    before = css_url(client.get("/login"))
    css = tmp_path / "static" / "css" / "app.css"
    css.write_text(css.read_text() + "\n/* next release */\n")
    os.utime(css, (css.stat().st_atime, css.stat().st_mtime + 5))
    precached = worker_settings(client)["precache"]
    after = css_url(client.get("/login"))
    assert after != before
    assert after in precached


def test_the_worker_version_is_worked_out_again_for_a_changed_file_or_a_restart(
        app, client, tmp_path, monkeypatch):
    """Browsers ask for /sw.js at every page load; the offline pages in every language that
    its version covers are rendered once, and again when a file the worker lists changes or
    the server starts again (a new wording comes with a new release)."""
    app.static_folder = str(shutil.copytree(app.static_folder, tmp_path / "static"))
    renders = []
    rendered = pwa.routes.render_offline_page
    monkeypatch.setattr(pwa.routes, "render_offline_page", lambda: renders.append(1) or (
        rendered() + ("<!-- reworded -->" if len(renders) > 3 * len(app.config["TEND_LOCALES"])
                      else "")))
    first = worker_settings(client)["version"]
    once = len(renders)
    assert once == len(app.config["TEND_LOCALES"])
    assert worker_settings(client)["version"] == first
    assert len(renders) == once
    css = tmp_path / "static" / "css" / "app.css"
    css.write_text(css.read_text() + "\n/* next release */\n")
    os.utime(css, (css.stat().st_atime, css.stat().st_mtime + 5))
    changed = worker_settings(client)["version"]
    assert changed != first
    assert worker_settings(client)["version"] == changed
    assert len(renders) == 2 * once
    restarted = make_test_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    restarted.static_folder = app.static_folder
    assert worker_settings(restarted.test_client())["version"] == changed  # same pages
    assert len(renders) == 3 * once
    again = make_test_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    again.static_folder = app.static_folder
    assert worker_settings(again.test_client())["version"] != changed  # reworded
