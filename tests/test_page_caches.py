"""What pages keep between requests to be quick (issue 20) stays right for every request:
asset URLs follow the place the app is mounted at and a changed file."""
import os
import re
import shutil

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
