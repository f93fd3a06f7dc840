"""How the client's record reads on screen: doses, schedules and states in plain words."""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask_babel import format_decimal, get_locale, gettext as _, ngettext
from flask_login import current_user

from models import Medication, Regimen, RegimenChange, User
from models.journal import CHECKIN_FIELD, AnswerKind
from tend.client import bp
from tend.client.forms import FORMS, KINDS, SEVERITIES, SKIP_REASONS, WEEKDAYS
from tend.formatting import clock_times, day_and_month
from tend.services.insights import dose_text
from tend.services import support_line
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
    return format_decimal(value) if value is not None else ""


@bp.app_template_global()
def very_low_checkin() -> str:
    """What counts as a very low check-in, for the script that shows the gentle line when a
    check-in is saved offline (a form's ``data-support-line-at``)."""
    return support_line.as_json()


@bp.app_template_global()
def checkin_answer_text(name: str, value) -> str:
    """One check-in answer in words: "7.5 h", "4/5", or the note in quotes."""
    kind = CHECKIN_FIELD[name].kind
    if value is None or value == "":
        return _("no answer")
    if kind is AnswerKind.HOURS:
        return _("%(hours)s h", hours=quantity(value))
    if kind is AnswerKind.SCALE:
        return _("%(value)s/5", value=value)
    return "“%s”" % (value if len(value) <= 80 else value[:79] + "…")


@bp.app_template_global()
def amount_text(amount: Decimal | None, form: str) -> str:
    """'2 tablets', '0.5 tablets', '5 ml'."""
    if amount is None:
        return ""
    count = int(amount) if amount == int(amount) else 2
    words = _AMOUNTS.get(form)
    return words(quantity(amount), count) if words else \
        ngettext("%(amount)s dose", "%(amount)s doses", count, amount=quantity(amount))


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
    if not regimen.weekdays:
        return _("Every day at %(times)s", times=times)
    days = format_list([_label(WEEKDAYS, str(d)) for d in regimen.weekdays],
                       locale=get_locale())
    return _("%(days)s at %(times)s", days=days, times=times)


def _same_schedule(one: Regimen, other: Regimen) -> bool:
    return (one.as_needed, one.max_per_day, one.times, one.weekdays) == \
        (other.as_needed, other.max_per_day, other.times, other.weekdays)


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
def severity_name(value) -> str:
    return _label(SEVERITIES, getattr(value, "value", value))

