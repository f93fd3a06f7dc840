"""Versioned URLs for static files: ``asset_url('css/app.css')`` -> ``/static/css/app.css?v=<hash>``.

The hash changes with the file's content, so browsers and the service worker can cache assets
for a long time and a deployment never mixes old and new files.

A page names a dozen files, so each URL is made once and kept on the app (per file and place
the app is mounted at). The service worker's list (``fresh_asset_url``) reads every file's
modification time and renews what changed; in debug mode every page does."""
import hashlib
import os
from functools import lru_cache

from flask import current_app, has_request_context, request, url_for


@lru_cache(maxsize=256)
def _content_hash(path: str, mtime: float) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def asset_version(filename: str) -> str:
    path = os.path.join(current_app.static_folder, filename)
    return _content_hash(path, os.stat(path).st_mtime)


def _made_urls() -> dict:
    return current_app.extensions["tend_asset_urls"]


def fresh_asset_url(filename: str) -> str:
    """The URL for the file as it is now on disk (and kept for the pages that follow)."""
    path = os.path.join(current_app.static_folder, filename)
    url = url_for("static", filename=filename, v=_content_hash(path, os.stat(path).st_mtime))
    if has_request_context():
        _made_urls()[(path, request.script_root)] = url
    return url


def asset_url(filename: str) -> str:
    if not has_request_context() or current_app.debug:
        return fresh_asset_url(filename)
    made = _made_urls().get((os.path.join(current_app.static_folder, filename),
                             request.script_root))
    return made if made is not None else fresh_asset_url(filename)


def init_app(app) -> None:
    app.extensions["tend_asset_urls"] = {}
    app.add_template_global(asset_url)
