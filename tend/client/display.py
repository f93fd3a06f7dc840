"""How the client's record reads on screen: doses, schedules and states in plain words."""
from datetime import date, datetime
from decimal import Decimal
from typing import Callable
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask_babel import get_locale, gettext as _, ngettext
from flask_login import current_user
from markupsafe import Markup, escape

from models import Medication, Regimen, RegimenChange, User
from models.journal import CHECKIN_FIELD, AnswerKind
from tend.client import bp
from tend.client.forms import FORMS, KINDS, SEVERITIES, SKIP_REASONS, WEEKDAYS
from tend.formatting import amount_figure, clock_times, day_and_month, month_and_year, number
from tend.services.insights import dose_text
from tend.services import medications, schedule, support_line
from tend.services.medications import Dosing

# How one intake of each form is counted ("2 tablets", "5 ml").
_AMOUNTS = {
    "tablet": lambda n, c: ngettext("%(amount)s tablet", "%(amount)s tablets", c, amount=n),
    "capsule": lambda n, c: ngettext("%(amount)s capsule", "%(amount)s capsules", c, amount=n),
    "liquid": lambda n, c: _("%(amount)s ml", amount=n),
    "drops": lambda n, c: ngettext("%(amount)s drop", "%(amount)s drops", c, amount=n),
    "patch": lambda n, c: ngettext("%(amount)s patch", "%(amount)s patches", c, amount=n),
    "injection": lambda n, c: ngettext("%(amount)s injection", "%(amount)s injections", c,
                                       amount=n),
    "inhaler": lambda n, c: ngettext("%(amount)s puff", "%(amount)s puffs", c, amount=n),
    "spray": lambda n, c: ngettext("%(amount)s spray", "%(amount)s sprays", c, amount=n),
    "cream": lambda n, c: ngettext("%(amount)s application", "%(amount)s applications", c,
                                   amount=n),
}
# An amount's own unit, counted as the form of that name counts it.
_UNIT_AS_FORM = {"tablet": "tablet", "capsule": "capsule", "ml": "liquid", "drops": "drops",
                 "puffs": "inhaler", "sprays": "spray", "patch": "patch",
                 "application": "cream", "injection": "injection"}
_CHANGES = {
    RegimenChange.START: lambda: _("Started"),
    RegimenChange.CHANGE: lambda: _("Dose or schedule changed"),
    RegimenChange.PAUSE: lambda: _("Paused"),
    RegimenChange.RESUME: lambda: _("Resumed"),
}


def _label(choices, value) -> str:
    return next((str(c.label) for c in choices if c.value == value), value or "")


@bp.app_template_global()
def quantity(value) -> str:
    return number(value) if value is not None else ""


@bp.app_template_global()
def very_low_checkin() -> str:
    """What counts as a very low check-in, for the script that shows the gentle line when a
    check-in is saved offline (a form's ``data-support-line-at``)."""
    return support_line.as_json()


@bp.app_template_global()
def checkin_answer_text(name: str, value) -> str:
    """One check-in answer in words: "7.5 h", "4/5", or the note in quotes."""
    return checkin_answers_in_words()(name, value)


def checkin_answers_in_words() -> Callable[[str, object], str]:
    """``checkin_answer_text`` for a page of many check-ins (History): its words translated
    once, when this is called."""
    no_answer, hours, scale = _("no answer"), _("%(hours)s h"), _("%(value)s/5")

    def in_words(name: str, value) -> str:
        kind = CHECKIN_FIELD[name].kind
        if value is None or value == "":
            return no_answer
        if kind is AnswerKind.HOURS:
            return hours % {"hours": quantity(value)}
        if kind is AnswerKind.SCALE:
            return scale % {"value": value}
        return "“%s”" % (value if len(value) <= 80 else value[:79] + "…")
    return in_words


@bp.app_template_global()
def amount_text(amount: Decimal | None, form: str, unit: str = "") -> str:
    """'2 tablets', '½ tablet', '5 ml'; ``unit`` (the regimen's own) before the form's."""
    if amount is None:
        return ""
    count = int(amount) if amount == int(amount) else 1 if amount < 1 else 2
    if unit == "sachet":
        return ngettext("%(amount)s sachet", "%(amount)s sachets", count,
                        amount=amount_figure(amount))
    words = _AMOUNTS.get(_UNIT_AS_FORM.get(unit, form))
    return words(amount_figure(amount), count) if words else \
        ngettext("%(amount)s dose", "%(amount)s doses", count, amount=amount_figure(amount))


@bp.app_template_global()
def regimen_amount_text(regimen: Regimen, form: str, day=None) -> str:
    """The amount per intake of ``regimen`` (on local ``day``: another on some weekdays),
    with the client's own words for it: '½ tablet (half a tablet)'."""
    amount = schedule.amount_on(regimen, day) if day else regimen.amount
    text = amount_text(amount, form, regimen.amount_unit)
    if regimen.amount_words:
        text = _("%(amount)s (%(words)s)", amount=text, words=regimen.amount_words)
    if day is None and regimen.weekday_amounts:
        others = [_("%(day)s: %(amount)s", day=_label(WEEKDAYS, key),
                    amount=amount_figure(Decimal(value)))
                  for key, value in sorted(regimen.weekday_amounts.items())]
        text = _("%(amount)s; %(others)s", amount=text,
                 others=format_list(others, locale=get_locale()))
    return text


@bp.app_template_global()
def strength_text(regimen: Regimen) -> str:
    return f"{quantity(regimen.strength)} {regimen.strength_unit}".strip() \
        if regimen.strength is not None else ""


@bp.app_template_global()
def medication_title(med: Medication, regimen: Regimen | None = None) -> str:
    """'Sertraline 50 mg': the name and, when known, the strength of that version."""
    strength = strength_text(regimen) if regimen is not None else ""
    return f"{med.name} {strength}".strip()


@bp.app_template_global()
def local_input_value(moment: datetime, zone_name: str | None = None) -> str:
    """A UTC moment as the value of a ``datetime-local`` input on ``zone_name``'s clock
    (a dose's own zone), else the client's."""
    return moment.astimezone(ZoneInfo(zone_name or current_user.timezone)).strftime(
        "%Y-%m-%dT%H:%M")


@bp.app_template_global()
def schedule_text(regimen: Regimen) -> str:
    """'Every day at 8:00 AM and 8:00 PM', 'Mon, Thu at 9:00 AM', 'As needed, at most 3 a day'."""
    if regimen.is_paused:
        return _("Paused")
    if regimen.as_needed:
        if regimen.max_per_day:
            return ngettext("As needed, at most %(num)d a day", "As needed, at most %(num)d a day",
                            regimen.max_per_day)
        return _("As needed")
    times = clock_times(regimen.times)
    if regimen.schedule_kind == "every_hours":
        return ngettext("Every hour from %(first)s to %(last)s (%(times)s)",
                        "Every %(num)d hours from %(first)s to %(last)s (%(times)s)",
                        regimen.interval_hours, first=clock_times(regimen.times[:1]),
                        last=clock_times([regimen.last_time or regimen.times[-1]]),
                        times=times) + _weekdays_suffix(regimen)
    if regimen.schedule_kind == "every_days":
        return ngettext("Every day at %(times)s", "Every %(num)d days at %(times)s",
                        regimen.interval_days, times=times)
    if regimen.schedule_kind == "cycle":
        return _("%(on)s on, %(off)s off, at %(times)s",
                 on=ngettext("%(num)d day", "%(num)d days", regimen.cycle_on_days),
                 off=ngettext("%(num)d day", "%(num)d days", regimen.cycle_off_days),
                 times=times)
    if not regimen.weekdays:
        return _("Every day at %(times)s", times=times)
    days = format_list([_label(WEEKDAYS, str(d)) for d in regimen.weekdays],
                       locale=get_locale())
    return _("%(days)s at %(times)s", days=days, times=times)


@bp.app_template_global()
def cycle_day_text(regimen: Regimen, day: date) -> str | None:
    """Where the local day ``day`` falls in a cycle ("Today is day 11 of the cycle, a day on."),
    or None: not a cycle, or before its first day."""
    place = medications.cycle_day_on(regimen, day)
    if place is None:
        return None
    if schedule.is_dose_day(regimen, day):
        return _("Today is day %(num)d of the cycle, a day on.", num=place)
    return _("Today is day %(num)d of the cycle, a day off.", num=place)


def _weekdays_suffix(regimen: Regimen) -> str:
    if not regimen.weekdays:
        return ""
    return ", " + format_list([_label(WEEKDAYS, str(d)) for d in regimen.weekdays],
                              locale=get_locale())


def _schedule_key(regimen: Regimen) -> tuple:
    return (regimen.as_needed, regimen.max_per_day, regimen.times, regimen.weekdays,
            regimen.schedule_kind, regimen.interval_days, regimen.cycle_on_days,
            regimen.cycle_off_days, regimen.weekday_amounts)


def _same_schedule(one: Regimen, other: Regimen) -> bool:
    return _schedule_key(one) == _schedule_key(other)


@bp.app_template_global()
def starts_on(regimen: Regimen, client: User) -> str:
    """The client's local day a version begins, as the viewer's locale writes it ("2 Dec")."""
    return day_and_month(regimen.valid_from.astimezone(ZoneInfo(client.timezone)).date())


@bp.app_template_global()
def upcoming_changes(dosing: Dosing, client: User) -> list[str]:
    """"From 2 Dec: 75 mg" for each change still to come, with the schedule where it
    changes ("From 2 Dec: 75 mg · Every day at 8:00 AM")."""
    lines, before = [], dosing.regimen
    for regimen in dosing.scheduled:
        line = _("From %(day)s: %(dose)s", day=starts_on(regimen, client),
                 dose=dose_text(regimen))
        if not _same_schedule(regimen, before):
            line += " · " + schedule_text(regimen)
        lines.append(line)
        before = regimen
    return lines


@bp.app_template_global()
def change_label(regimen: Regimen) -> str:
    return _CHANGES[regimen.change]()


@bp.app_template_global()
def version_day(regimen: Regimen):
    """The day a version of the dose applies from, as the medication page shows it: the
    first version's is the medication's start date, the one the person gave (doses are
    tracked only from the day it was added, which may be later), so the page has one."""
    if regimen.change is RegimenChange.START and regimen is regimen.medication.regimens[0]:
        return regimen.medication.started_on
    return regimen.valid_from


@bp.app_template_global()
def form_label(value: str) -> str:
    return _label(FORMS, value)


@bp.app_template_global()
def kind_label(value) -> str:
    return _label(KINDS, getattr(value, "value", value))


@bp.app_template_global()
def skip_reason_name(value) -> str:
    return _label(SKIP_REASONS, getattr(value, "value", value))


@bp.app_template_global()
def skip_months(months, label=skip_reason_name) -> Markup:
    """``months`` of skip totals (doses.MonthOfSkips, newest first) as _skip_totals.html lists
    them: each month's heading, then its reasons with their counts. Written here rather than
    in the template (History lists about fifty reasons, and the template's steps for each
    value cost more than the rest of their work); each reason given is named by ``label``
    once, and every text is escaped."""
    given = {reason for month in months for reason in month.reasons if reason}
    names = {reason: escape(label(reason)) for reason in given}
    none_given = escape(_("No reason given"))
    parts = []
    for month in months:
        parts.append(f'<h3>{escape(month_and_year(month.month))}</h3>\n'
                     '<ul class="list skip-month">')
        parts += [f'<li class="list-item"><span>{names[reason] if reason else none_given}</span>'
                  f' <span class="figure">{escape(count)}</span></li>'
                  for reason, count in month.reasons.items()]
        parts.append("</ul>")
    return Markup("\n".join(parts))


@bp.app_template_global()
def severity_name(value) -> str:
    return _label(SEVERITIES, getattr(value, "value", value))

