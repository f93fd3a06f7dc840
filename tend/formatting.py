"""Small template helpers for showing things to people."""
from datetime import date

from babel.dates import format_skeleton
from flask_babel import format_datetime, get_locale, gettext as _

_BROWSERS = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari")]
_SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Windows", "Windows"), ("Mac OS X", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def _first_match(text: str, table) -> str | None:
    return next((name for needle, name in table if needle in text), None)


def user_agent_label(user_agent: str) -> str:
    """'Chrome on Android' from a user-agent string; good enough to recognise a device."""
    browser = _first_match(user_agent or "", _BROWSERS)
    system = _first_match(user_agent or "", _SYSTEMS)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown device")


def format_when(value) -> str:
    """A moment in the viewer's own time zone and locale."""
    return format_datetime(value, "medium") if value else ""


def day_and_month(day: date) -> str:
    """"2 Dec" or "Dec 2", as the viewer's locale writes a day and month."""
    return format_skeleton("MMMd", day, locale=get_locale() or "en")


def html_lang() -> str:
    return str(get_locale() or "en").replace("_", "-")


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(user_agent_label)
    app.add_template_global(format_when)
    app.add_template_global(day_and_month)
    app.add_template_global(html_lang)
