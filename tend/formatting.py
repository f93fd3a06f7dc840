"""Small template helpers for showing things to people."""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, get_timezone_location
from babel.lists import format_list
from babel.units import format_unit
from flask import g
from flask_babel import format_date, format_datetime, format_time, get_locale, gettext as _
from flask_login import current_user

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


def duration_text(length: timedelta) -> str:
    """'1 hr, 40 min' (whole minutes, rounded down; a zero part left out), as the viewer's
    locale writes a length of time."""
    locale = get_locale() or "en"
    hours, minutes = divmod(max(int(length.total_seconds() // 60), 0), 60)
    parts = [format_unit(amount, unit, length="short", locale=locale)
             for amount, unit in ((hours, "duration-hour"), (minutes, "duration-minute"))
             if amount]
    return format_list(parts or [format_unit(0, "duration-minute", length="short",
                                             locale=locale)],
                       style="unit-short", locale=locale)


def zone_place(zone_name: str) -> str:
    """'Amsterdam' for Europe/Amsterdam, in the viewer's language."""
    return get_timezone_location(zone_name, locale=get_locale() or "en", return_city=True)


def read_times_in(zone_name: str) -> None:
    """Read this page's days and times on ``zone_name``'s clock: a supporter reads a
    client's record in the client's zone, as the client does, not in their own."""
    g.reading_zone = zone_name


def viewer_zone() -> str:
    """The zone the page is read in: its days, and the clock a time is named against (the
    viewer's own zone, or the client's on a supporter's page about them)."""
    return g.get("reading_zone") or getattr(current_user, "timezone", None) or "UTC"


def clock_in_zone(moment, zone_name: str, local_time=None) -> str:
    """The time of day of ``moment`` where it happened: '8:32 AM', or '8:32 AM, Amsterdam
    time' when that is not the page's zone. ``local_time`` names it when known (a planned
    dose's own time, which a DST gap may move). Every page showing a dose's or an event's
    time of day goes through here."""
    text = format_time(local_time or moment.astimezone(ZoneInfo(zone_name)).time(), "short")
    if zone_name == viewer_zone():
        return text
    return _("%(time)s, %(place)s time", time=text, place=zone_place(zone_name))


def when_in_zone(moment, zone_name: str | None = None) -> str:
    """The day and time of ``moment`` where it happened ('Jan 15, 2026, 8:32 AM', with the
    place named as ``clock_in_zone`` does); without a zone, on the page's clock."""
    zone_name = zone_name or viewer_zone()
    day = moment.astimezone(ZoneInfo(zone_name)).date()
    return _("%(day)s, %(time)s", day=format_date(day, "medium"),
             time=clock_in_zone(moment, zone_name))


def clock_hint(zone_name: str) -> str:
    """What a date-and-time field says when it reads a time on another zone's clock than
    the page's (a dose taken before a move), or ''."""
    if zone_name == viewer_zone():
        return ""
    return _("Enter the time as the clock read in %(place)s.", place=zone_place(zone_name))


def time_here(moment, zone_name: str) -> str:
    """'9:00 PM here': a moment kept in ``zone_name`` as the clock reads where the client
    is now (travelling with home times, or a dose kept at the old zone's time), or ''."""
    here = getattr(current_user, "zone_here", None) or viewer_zone()
    if zone_name == here:
        return ""
    return _("%(time)s here", time=format_time(moment.astimezone(ZoneInfo(here)).time(),
                                               "short"))


def html_lang() -> str:
    return str(get_locale() or "en").replace("_", "-")


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(user_agent_label)
    app.add_template_global(format_when)
    app.add_template_global(day_and_month)
    app.add_template_global(duration_text)
    app.add_template_global(html_lang)
    app.add_template_global(clock_in_zone)
    app.add_template_global(when_in_zone)
    app.add_template_global(clock_hint)
    app.add_template_global(viewer_zone)
    app.add_template_global(time_here)
    app.add_template_global(zone_place)
