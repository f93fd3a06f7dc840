"""The installable shell: web app manifest, service worker, offline page and icons.

Served from the site root (the worker's scope is where it is served from), with its own static
folder for the icons and screenshots the manifest names."""
from flask import Blueprint

bp = Blueprint("pwa", __name__, template_folder="templates", static_folder="static",
               static_url_path="/pwa")

from pwa import routes  # noqa: E402,F401
