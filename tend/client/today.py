"""How each of Today's doses reads: its texts found once in Python, so the page's loop only
writes them out (a template call costs several times a Python one, and Today has a row for
every dose of the day)."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from tend.client import bp
from tend.client.display import (local_input_value, medication_title, regimen_amount_text,
                                 skip_reason_name, upcoming_changes)
from tend.client.forms import SKIP_REASONS
from tend.formatting import clock_hint, clock_in_zone, duration_text, time_here
from models import Medication
from tend.services import doses, medications
from tend.services.doses import State


@dataclass
class TodayDose:
    """One scheduled dose as Today shows it."""
    planned_id: int
    medication_id: int
    name: str  # the medication's name, for the buttons' hidden labels
    state: str
    event_id: int | None  # the dose's event, when logged
    time: str  # "8:00 AM", or with the place when the dose keeps another zone's clock
    time_here: str  # "9:00 PM here" when the client's clock reads otherwise, or ""
    title: str
    amount: str
    upcoming: list[str]
    state_text: str
    overdue: str  # "1 hr after its time" for a late or missed dose, else ""
    missed_words: str  # what the prescriber said to do about a missed dose, or ""
    due_at: str  # ISO moment, for the script that asks before a dose far from its time
    taken_at_value: str  # the "Taken at another time" field: the dose's time on its clock
    taken_at_max: str  # ... and now on that clock
    clock_hint: str  # the field's hint when that clock is another zone's, or ""


@bp.app_template_global()
def skip_reason_choices() -> list:
    """The reasons Today offers for skipping a dose, for its choices rendered once per
    language (templates/client/_skip_choices_today.html)."""
    return SKIP_REASONS


@bp.app_template_global()
def dose_fields(medication_id: int, planned_id: int | None, status: str, key: str, next: str,
                csrf: str | None = None) -> Markup:
    """The hidden fields of a form that logs a dose (``planned_id``, or one taken as needed
    when None) as ``status``, with its idempotency ``key`` and the page to go back to.
    Written here rather than in a macro: Today has three such forms for each dose. Every
    value is escaped."""
    planned = (f'<input type="hidden" name="planned_dose_id" value="{escape(planned_id)}">\n'
               if planned_id else "")
    return Markup(
        f'<input type="hidden" name="csrf_token" value="{escape(csrf or generate_csrf())}">\n'
        f'<input type="hidden" name="medication_id" value="{escape(medication_id)}">\n'
        f'{planned}<input type="hidden" name="status" value="{escape(status)}">\n'
        f'<input type="hidden" name="next" value="{escape(next)}">\n'
        f'<input type="hidden" name="idempotency_key" value="{escape(key)}"'
        ' data-idempotency-key>')


def state_text(row, state: str) -> str:
    """"Taken at 8:10 AM", "Skipped · Forgot", "Due now", ...: ``state`` of ``row`` (of
    ``doses.day_of_doses``)."""
    if state == State.TAKEN:
        return _("Taken at %(time)s", time=clock_in_zone(row.occurred_at, row.event_timezone))
    if state == State.SKIPPED:
        skipped = _("Skipped")
        return f"{skipped} · {skip_reason_name(row.skip_reason)}" if row.skip_reason \
            else skipped
    if state == State.DUE:
        return _("Due now")
    if state == State.LATE:
        return _("Not logged yet")
    if state == State.MISSED:
        return _("Not logged")
    return _("Coming up")


def today_doses(rows: list, dosings: list[medications.Dosing],
                now: datetime) -> list[TodayDose]:
    """``rows`` (``doses.day_of_doses``) as Today shows them; ``dosings`` holds every
    medication of the client as it stands that day (``medications.dosing_on``)."""
    by_id = {dosing.medication.id: dosing for dosing in dosings}
    versions = {regimen.id: regimen for dosing in dosings
                for regimen in dosing.medication.regimens}
    # What several rows share is found once: the changes to come of each medication, the
    # name and amount of each version on a day, the clock of each zone.
    upcoming, dose_texts, zone_texts = {}, {}, {}
    shown = []
    for row in rows:
        if row.regimen_id not in versions:
            continue  # planned since the medications were read (a change made in another
            # tab meanwhile): the next visit shows it
        dosing = by_id[row.medication_id]
        med, regimen = dosing.medication, versions[row.regimen_id]
        if med.id not in upcoming:
            upcoming[med.id] = upcoming_changes(dosing, current_user)
        if (regimen.id, row.local_date) not in dose_texts:
            dose_texts[regimen.id, row.local_date] = (
                medication_title(med, regimen),
                regimen_amount_text(regimen, med.form, row.local_date))
        if row.timezone not in zone_texts:
            zone_texts[row.timezone] = (local_input_value(now, row.timezone),
                                        clock_hint(row.timezone))
        shown.append(_today_dose(row, med, upcoming[med.id],
                                 dose_texts[regimen.id, row.local_date],
                                 zone_texts[row.timezone], now))
    return shown


def _today_dose(row, med: Medication, upcoming: list[str], dose_texts: tuple[str, str],
                zone_texts: tuple[str, str], now: datetime) -> TodayDose:
    state = doses.state_at(row.due_at, row.status, now)
    zone, logged = row.timezone, row.event_id is not None  # a logged dose has no fields for it
    overdue = doses.is_overdue(state)
    words = med.missed_dose_instructions if overdue else ""
    (title, amount), (now_value, zone_hint) = dose_texts, zone_texts
    return TodayDose(
        planned_id=row.id, medication_id=med.id, name=med.name, state=state,
        event_id=row.event_id,
        time=clock_in_zone(row.due_at, zone, row.local_time),
        time_here=time_here(row.due_at, zone),
        title=title, amount=amount, upcoming=upcoming, state_text=state_text(row, state),
        overdue=_("%(duration)s after its time", duration=duration_text(now - row.due_at))
        if overdue else "",
        missed_words=_("What your prescriber or pharmacist said: “%(words)s”", words=words)
        if words else "",
        due_at="" if logged else row.due_at.isoformat(),
        taken_at_value="" if logged else local_input_value(row.due_at, zone),
        taken_at_max="" if logged else now_value,
        clock_hint="" if logged else zone_hint)
