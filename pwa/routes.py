"""Manifest, service worker and offline page."""
import base64
import hashlib
import hmac
import json
from pathlib import Path

from flask import Response, current_app, render_template, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user

from models.journal import CHECKIN_FIELDS

from pwa import bp
from tend.assets import fresh_asset_url
from tend.client.dose_timing import ask_minutes
from tend.client.forms import CheckInForm, SideEffectForm
from tend.formatting import html_lang
from tend.help.plan_routes import render_plan_offline
from tend.help.routes import render_offline_page as render_help_offline_page
from tend.services import red_flags
from tend.services.journal import EMPTY_CHECKIN

HERE = Path(__file__).resolve().parent  # where sw.js and sw-push.js are read from
THEME_COLOR = "#1f6f5c"  # --brand in static/css/app.css
BACKGROUND_COLOR = "#f4f7f6"  # --bg
NO_CACHE = {"Cache-Control": "no-cache"}


def offline_pages() -> dict[str, str]:
    """Pages with an offline page of their own, shown instead of the general one when they
    can't be loaded: the page's path -> its offline page. Each names nobody (it is kept in
    Cache Storage); its script fills in what the account kept on the phone (IndexedDB)."""
    return {url_for("help.index"): url_for("help.offline"),
            url_for("help.plan"): url_for("help.plan_offline")}


def render_offline_pages() -> list[str]:
    return [render_help_offline_page(), render_plan_offline()]


def precache_urls() -> list[str]:
    """Every static file at its content-versioned URL, and the offline pages."""
    root = Path(current_app.static_folder)
    names = sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                   if path.is_file() and not path.name.startswith("."))
    return [fresh_asset_url(name) for name in names] + [url_for("pwa.offline"),
                                                  *offline_pages().values()]


def shell_version(urls: list[str]) -> str:
    """Changes whenever an asset, the worker or an offline page in any language changes: a new
    version makes /sw.js differ byte for byte, which is what makes browsers install the new
    worker. The same for every account and browser language: a language is not a version (the
    worker fetches the offline pages again in the language the pages tell it, sw.js).

    Rendering the offline pages in every language costs more than the rest of /sw.js, which
    browsers ask for at every page load, so the version is worked out once per process for
    the files the worker lists (their URLs carry their content's hash) and the worker's own
    scripts; templates and catalogues change only with a restart. In debug mode (templates
    reloaded as they change) it is worked out on every request."""
    workers = tuple((HERE / name).read_bytes() for name in ("sw.js", "sw-push.js"))
    known = current_app.extensions.setdefault("tend_shell_versions", {})
    key = (tuple(urls), workers)
    if not current_app.debug and key in known:
        return known[key]
    digest = hashlib.sha256("\n".join(urls).encode())
    for worker in workers:
        digest.update(worker)
    for language in current_app.config["TEND_LOCALES"]:
        with force_locale(language):
            for page in [render_offline_page(), *render_offline_pages()]:
                digest.update(page.encode())
    if len(known) >= 16:  # files changed under a running server: keep the newest only
        known.clear()
    known[key] = digest.hexdigest()[:12]
    return known[key]


@bp.get("/sw.js")
def service_worker():
    urls = precache_urls()
    version = shell_version(urls)
    settings = {
        "version": version,
        "precache": urls,
        "offlinePage": url_for("pwa.offline"),
        "offlinePages": offline_pages(),
        "imports": [url_for("pwa.push_handlers", v=version),
                    fresh_asset_url("js/offline-queue.js")],
    }
    body = f"const TEND = {json.dumps(settings)};\n" + (HERE / "sw.js").read_text()
    return Response(body, mimetype="text/javascript",
                    headers={**NO_CACHE, "Service-Worker-Allowed": "/"})


@bp.get("/sw-push.js")
def push_handlers():
    return Response((HERE / "sw-push.js").read_text(), mimetype="text/javascript",
                    headers=NO_CACHE)


@bp.get("/offline")
def offline():
    """The page the worker shows when a page can't be loaded. It names nobody: the worker
    fetches it without cookies and keeps it in Cache Storage."""
    return render_offline_page()


def render_offline_page() -> str:
    """With the record forms' own fields (no CSRF token: the page only queues entries)."""
    blank = {"formdata": None, "meta": {"csrf": False}}
    return render_template("pwa/offline.html", side_effect=SideEffectForm(prefix="se", **blank),
                           checkin=CheckInForm(prefix="ci", **blank), ask_minutes=ask_minutes(),
                           urgent=red_flags.groups())


@bp.route("/ping", methods=["GET", "HEAD"])
def ping():
    """The offline page's probe: is the server reachable? (Never answered from a cache.)"""
    return Response(status=204, headers={"Cache-Control": "no-store"})


@bp.app_template_global()
def offline_queue_key() -> str:
    """The signed-in account's key for entries kept on a phone at sign-out (AES-256, base64url).

    Derived from the secret key and the account, so only that account's pages carry it, and
    the phone keeps it only while a page of that account is open: until the same account signs
    in again, the kept entries can't be read on the phone."""
    secret = current_app.config["SECRET_KEY"]
    digest = hmac.new(secret if isinstance(secret, bytes) else secret.encode(),
                      f"tend-offline-queue:{current_user.id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@bp.app_template_global()
def checkin_field_labels() -> list[tuple[str, str]]:
    """The check-in's fields and labels, for the line saying another device changed one."""
    return [(item.name, str(item.label)) for item in CHECKIN_FIELDS]


@bp.app_template_global()
def checkin_empty_message() -> str:
    """Refused at the offline form in the words the server uses online."""
    return str(EMPTY_CHECKIN)


def _icon(name: str, size: int, purpose: str) -> dict:
    return {"src": url_for("pwa.static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
            "type": "image/png", "purpose": purpose}


def _screenshot(name: str, width: int, height: int, form_factor: str, label: str) -> dict:
    return {"src": url_for("pwa.static", filename=f"screenshots/{name}"),
            "sizes": f"{width}x{height}", "type": "image/png", "form_factor": form_factor,
            "label": label}


@bp.get("/manifest.webmanifest")
def manifest():
    data = {
        "id": "/",
        "name": "Tend",
        "short_name": "Tend",
        "description": _("Your own record of medication, sleep, mood and everyday life, "
                         "shared only with the people you choose."),
        "lang": html_lang(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["health", "medical", "lifestyle"],
        "icons": [
            _icon("icon-192.png", 192, "any"),
            _icon("icon-512.png", 512, "any"),
            _icon("icon-maskable-192.png", 192, "maskable"),
            _icon("icon-maskable-512.png", 512, "maskable"),
        ],
        "screenshots": [
            _screenshot("today-narrow.png", 780, 1688, "narrow",
                        _("Today: your doses, side effects and check-in")),
            _screenshot("today-wide.png", 1280, 800, "wide",
                        _("Today on a larger screen")),
        ],
    }
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json",
                    headers=NO_CACHE)
