"""Versioned URLs for static files: ``asset_url('css/app.css')`` -> ``/static/css/app.css?v=<hash>``.

The hash changes with the file's content, so browsers and the service worker can cache assets
for a long time and a deployment never mixes old and new files."""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for


@lru_cache(maxsize=256)
def _content_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_version(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    return _content_hash(str(path), path.stat().st_mtime)


def asset_url(filename: str) -> str:
    return url_for("static", filename=filename, v=asset_version(filename))


def init_app(app) -> None:
    app.add_template_global(asset_url)
