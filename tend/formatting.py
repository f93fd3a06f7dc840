"""Small template helpers for showing things to people.

Every date and time a person reads is written here, one style per locale for each kind:
a time of day (``clock_time``: "8:00 AM", "08:00"), a short date (``short_date``: "Dec 31,
2026", "31.12.2026") with its compact day-and-month form for chart axes and "From Dec 2"
(``day_and_month``), a long date (``long_date``: "Tuesday, December 1", "Dienstag,
1. Dezember"), a date range (``date_range``) and a moment (``when_in_zone``: short date and
time of day). Pages, e-mails, push texts and the offline page's script (``page_formats``)
all use these; tests/test_display_formats.py keeps it so."""
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Callable
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.dates import format_interval, get_time_format, get_timezone_location, match_skeleton
from babel.lists import format_list
from babel.units import format_unit
from flask import g, has_app_context, has_request_context
from flask_babel import get_locale, gettext as _
from flask_login import current_user, user_logged_in, user_logged_out

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


# The long date as a CLDR skeleton, and the same fields for the browser's Intl API.
LONG_DATE_SKELETON = "MMMMEd"
LONG_DATE_FIELDS = {"weekday": "long", "month": "long", "day": "numeric"}
_HOUR_CYCLES = {"h": "h12", "H": "h23", "K": "h11", "k": "h24"}


_ENGLISH = Locale.parse("en")


def _locale() -> Locale:
    """The page's locale: Flask-Babel's, read from where it keeps it for the request once found
    (a page writes a few hundred dates, times and numbers, and ``get_locale`` makes three
    trips through Flask's context for each)."""
    if has_app_context():
        found = getattr(g.get("_flask_babel"), "babel_locale", None)
        if found is not None:
            return found
    return get_locale() or _ENGLISH


def _locale_name() -> str:
    """The page's locale's name ("de", "en_GB"), the key of the kept texts below: found once
    per request and kept with the locale it names (a Babel ``Locale`` is hashed and compared
    in Python, a name in C; a page looks a text up a few hundred times)."""
    if has_app_context():
        state = g.get("_flask_babel")
        found = getattr(state, "babel_locale", None)
        if found is not None:
            kept = getattr(state, "tend_locale_name", None)
            if kept is None or kept[0] is not found:
                kept = state.tend_locale_name = (found, str(found))
            return kept[1]
    return str(get_locale() or _ENGLISH)


@lru_cache(maxsize=64)
def _locale_named(name: str) -> Locale:
    return Locale.parse(name)


# A page writes the same few times of day, dates and numbers again and again (History: 180
# doses a week), and Babel works each one out from the locale's patterns every time: each
# text is worked out once per locale and value and kept (a time of day, a day and a number
# read the same in every time zone, so the locale is all they depend on).
@lru_cache(maxsize=8192)
def _written(kind: str, locale_name: str, value) -> str:
    locale = _locale_named(locale_name)
    if kind == "time":
        return dates.format_time(value, "short", locale=locale)
    if kind == "date":
        return dates.format_date(value, "medium", locale=locale)
    if kind == "day_and_month":
        return dates.format_skeleton("MMMd", value, locale=locale)
    if kind == "month_and_year":
        return dates.format_skeleton("yMMMM", value, locale=locale)
    if kind == "long_date":
        skeletons = locale.datetime_skeletons
        pattern = skeletons[match_skeleton(LONG_DATE_SKELETON, skeletons)].pattern
        return dates.format_date(value, re.sub(r"E+", "EEEE", pattern), locale=locale)
    return numbers.format_decimal(value, locale=locale)


def number(value) -> str:
    """"1,234.5" or "1.234,5": a number as the viewer's locale writes it."""
    return _written("number", _locale_name(), value)


def _day_on_page(day) -> date:
    """A date, or a moment's day on the page's clock."""
    return day.astimezone(ZoneInfo(viewer_zone())).date() if isinstance(day, datetime) else day


def clock_time(value) -> str:
    """A time of day ("08:00" text or a time): "8:00 AM", "08:00"."""
    return _clock_text(value, _locale_name())


def _clock_text(value, locale_name: str) -> str:
    if isinstance(value, str):
        value = time.fromisoformat(value)
    return _written("time", locale_name, value.replace(tzinfo=None))


def clock_times(values) -> str:
    """"8:00 AM and 8:00 PM": several times of day as one list."""
    return format_list([clock_time(value) for value in values], locale=_locale())


def list_text(items) -> str:
    """"Sleep, Mood and Energy" or "Schlaf, Stimmung und Energie": items joined the locale's way."""
    return format_list([str(item) for item in items], locale=_locale())


def short_date(day) -> str:
    """"Dec 31, 2026" or "31.12.2026", as the viewer's locale writes a date."""
    return _written("date", _locale_name(), _day_on_page(day))


def short_dates(days) -> list[str]:
    """``short_date`` of each of ``days`` (a chart's table names every day of its period)."""
    locale_name = _locale_name()
    return [_written("date", locale_name, _day_on_page(day)) for day in days]


def day_and_month(day: date) -> str:
    """"2 Dec" or "Dec 2": the short date without its year, where the year is plain."""
    return _written("day_and_month", _locale_name(), _day_on_page(day))


def long_date(day) -> str:
    """"Tuesday, December 1" or "Dienstag, 1. Dezember": the locale's weekday-day-month
    pattern with the weekday written out (Babel's skeletons keep it abbreviated)."""
    return _written("long_date", _locale_name(), _day_on_page(day))


def month_and_year(day) -> str:
    """"December 2026" or "Dezember 2026": a calendar month as the locale writes it."""
    return _written("month_and_year", _locale_name(), _day_on_page(day))


def date_range(first, last) -> str:
    """"Nov 2 – Dec 1, 2026" or "02.11.–01.12.2026": two short dates as one range."""
    return format_interval(_day_on_page(first), _day_on_page(last), "yMMMd", locale=_locale())


def format_when(value) -> str:
    """A moment on the page's clock: "Dec 31, 2026, 8:00 AM"."""
    return when_in_zone(value) if value else ""


def page_formats() -> dict:
    """The time of day and long date as options for the browser's Intl.DateTimeFormat, from
    the same locale data, so a page's script (the offline page) writes them as pages do."""
    hour = re.search(r"[hHkK]+", get_time_format("short", locale=_locale()).pattern).group(0)
    return {"time": {"hour": "2-digit" if len(hour) > 1 else "numeric", "minute": "2-digit",
                     "hourCycle": _HOUR_CYCLES[hour[0]]},
            "longDate": LONG_DATE_FIELDS}


def duration_text(length: timedelta) -> str:
    """'1 hr, 40 min' (whole minutes, rounded down; a zero part left out), as the viewer's
    locale writes a length of time."""
    locale = _locale()
    hours, minutes = divmod(max(int(length.total_seconds() // 60), 0), 60)
    parts = [format_unit(amount, unit, length="short", locale=locale)
             for amount, unit in ((hours, "duration-hour"), (minutes, "duration-minute"))
             if amount]
    if len(parts) < 2:
        return parts[0] if parts else format_unit(0, "duration-minute", length="short",
                                                  locale=locale)
    # Babel's data leaves out the list patterns a locale inherits (Spanish "unit-short" has
    # only "end"), and its format_list fails on them: two parts are joined here, with the
    # pattern for two, else the one for the last two.
    patterns = locale.list_patterns["unit-short"]
    return (patterns.get("2") or patterns["end"]).format(*parts)


# A split tablet's part, written as people write it ("½ tablet", "1¼ tablets").
_FRACTION_SIGNS = {Decimal("0.25"): "¼", Decimal("0.5"): "½", Decimal("0.75"): "¾"}


def amount_figure(amount: Decimal) -> str:
    """An amount per intake: "½", "1¼", "2", or "0.3" (as the locale writes a number) when
    it isn't a quarter."""
    whole, part = divmod(Decimal(amount), 1)
    sign = _FRACTION_SIGNS.get(part.normalize() if part else part)
    if sign is None:
        return number(Decimal(amount).normalize())
    return (number(whole) if whole else "") + sign


def zone_place(zone_name: str) -> str:
    """'Amsterdam' for Europe/Amsterdam, in the viewer's language."""
    return get_timezone_location(zone_name, locale=_locale(), return_city=True)


class _PageClock:
    """Whose clock a request's page reads its days and times on, found once per request (a
    page names fifty times of day against it, and ``current_user`` takes four trips through
    Flask's context): the zone set by ``read_times_in``, else the viewer's own, read from
    them each time (a move changes it). Signing in or out finds it again."""

    __slots__ = ("reading_zone", "viewer")

    def __init__(self):
        self.reading_zone = None
        self.viewer = current_user._get_current_object() if has_request_context() else None

    @property
    def zone(self) -> str:
        return self.reading_zone or getattr(self.viewer, "timezone", None) or "UTC"


def _page_clock() -> _PageClock:
    if "page_clock" not in g:
        g.page_clock = _PageClock()
    return g.page_clock


@user_logged_in.connect
@user_logged_out.connect
def _viewer_changed(app, user=None, **extra) -> None:
    g.pop("page_clock", None)


def read_times_in(zone_name: str) -> None:
    """Read this page's days and times on ``zone_name``'s clock: a supporter reads a
    client's record in the client's zone, as the client does, not in their own."""
    _page_clock().reading_zone = zone_name


def viewer_zone() -> str:
    """The zone the page is read in: its days, and the clock a time is named against (the
    viewer's own zone, or the client's on a supporter's page about them)."""
    return _page_clock().zone


def clock_in_zone(moment, zone_name: str, local_time=None) -> str:
    """The time of day of ``moment`` where it happened: '8:32 AM', or '8:32 AM, Amsterdam
    time' when that is not the page's zone. ``local_time`` names it when known (a planned
    dose's own time, which a DST gap may move). Every page showing a dose's or an event's
    time of day goes through here."""
    return clocks_in_zones()(moment, zone_name, local_time)


def clocks_in_zones() -> Callable[..., str]:
    """``clock_in_zone`` for a page that names many times of day (History: a hundred doses a
    week): the page's zone and locale are found once, when this is called."""
    page_zone, locale_name = viewer_zone(), _locale_name()

    def clock_in(moment, zone_name: str, local_time=None) -> str:
        text = _clock_text(local_time or moment.astimezone(ZoneInfo(zone_name)).time(),
                           locale_name)
        if zone_name == page_zone:
            return text
        return _("%(time)s, %(place)s time", time=text, place=zone_place(zone_name))
    return clock_in


def when_in_zone(moment, zone_name: str | None = None) -> str:
    """The day and time of ``moment`` where it happened ('Jan 15, 2026, 8:32 AM', with the
    place named as ``clock_in_zone`` does); without a zone, on the page's clock."""
    zone_name = zone_name or viewer_zone()
    day = moment.astimezone(ZoneInfo(zone_name)).date()
    return _("%(day)s, %(time)s", day=short_date(day),
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
    here = getattr(_page_clock().viewer, "zone_here", None) or viewer_zone()
    if zone_name == here:
        return ""
    return _("%(time)s here", time=clock_time(moment.astimezone(ZoneInfo(here)).time()))


def html_lang() -> str:
    return str(_locale()).replace("_", "-")


def html_dir() -> str:
    """"rtl" for a right-to-left language, else "ltr"."""
    return "rtl" if _locale().character_order == "right-to-left" else "ltr"


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(user_agent_label)
    app.add_template_filter(short_date)
    # Flask-Babel's `decimalformat` filter, through the kept texts as every number here is.
    app.add_template_filter(number, "decimalformat")
    for helper in (format_when, clock_time, clock_times, short_date, short_dates, day_and_month,
                   long_date, date_range, month_and_year, page_formats, html_dir):
        app.add_template_global(helper)
    app.add_template_global(duration_text)
    app.add_template_global(amount_figure)
    app.add_template_global(html_lang)
    app.add_template_global(clock_in_zone)
    app.add_template_global(when_in_zone)
    app.add_template_global(clock_hint)
    app.add_template_global(viewer_zone)
    app.add_template_global(time_here)
    app.add_template_global(zone_place)
