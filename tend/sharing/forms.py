"""The client's sharing forms: inviting someone, choosing what they see, caregiver alerts."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from models import Category, Role
from tend.access import GRANTABLE
from tend.fields import DateInputField
from tend.forms import Form
from tend.labels import CATEGORY_HINTS, CATEGORY_LABELS
from tend.services.care_team import ALERT_DELAYS, Choice

INVITE_ROLES = [
    SelectChoice(Role.THERAPIST.value, _l("A therapist or other clinician")),
    SelectChoice(Role.CAREGIVER.value, _l("A family member or friend who helps with reminders")),
]
DELAY_LABELS = {15: _l("15 minutes"), 30: _l("30 minutes"), 60: _l("1 hour"),
                120: _l("2 hours"), 240: _l("4 hours")}
ALERT_DELAY_CHOICES = [SelectChoice(str(m), DELAY_LABELS[m]) for m in ALERT_DELAYS]


class InviteForm(Form):
    role = RadioField(_l("Who are you inviting?"), choices=INVITE_ROLES,
                      validators=[DataRequired(_l("Choose who you're inviting."))])
    name = StringField(
        _l("Their name"),
        validators=[DataRequired(_l("Enter a name, so you recognise them in your list.")),
                    Length(max=80, message=_l("Use at most %(max)d characters.", max=80))],
        description=_l("Only for you, until they accept. For example: Dr Lee."))


class AlertForm(Form):
    delay = SelectField(_l("Alert when a dose is still unlogged after"),
                        choices=ALERT_DELAY_CHOICES, default="60")
    paused = BooleanField(_l("Pause alerts for now"))


def grants_form(role: Role, link=None):
    """A form with, per grantable category, a "share" box and optional from/until days."""

    class GrantsForm(Form):
        pass

    for category in GRANTABLE[role]:
        setattr(GrantsForm, f"share_{category.value}",
                BooleanField(CATEGORY_LABELS[category], description=CATEGORY_HINTS[category]))
        setattr(GrantsForm, f"from_{category.value}", DateInputField(_l("From (optional)")))
        setattr(GrantsForm, f"until_{category.value}", DateInputField(_l("Until (optional)")))
    data = {}
    for grant in (link.grants if link else []):
        data.update({f"share_{grant.category.value}": True,
                     f"from_{grant.category.value}": grant.from_date,
                     f"until_{grant.category.value}": grant.until_date})
    form = GrantsForm(data=data)
    form.categories = GRANTABLE[role]
    _forget_unticked_dates(form)
    return form


def _forget_unticked_dates(form) -> None:
    """The from/until days of a category that isn't ticked mean nothing: they are dropped,
    never checked (the page hides them until the box is ticked)."""
    for category in form.categories:
        share, *days = category_fields(form, category)
        if not share.data:
            for day in days:
                day.data, day.raw_data, day.process_errors = None, [], []


def category_fields(form, category: Category):
    return (form[f"share_{category.value}"], form[f"from_{category.value}"],
            form[f"until_{category.value}"])


def chosen(form, today: date) -> list[Choice] | None:
    """The categories picked, or None with errors at the fields that need fixing."""
    choices, ok = [], True
    for category in form.categories:
        share, first, until = category_fields(form, category)
        if not share.data:
            continue
        if first.errors or until.errors:
            ok = False
            continue
        if until.data and until.data < today:
            until.errors = [_l("That day has passed. Leave it empty to share with no end.")]
            ok = False
        elif first.data and until.data and until.data < first.data:
            until.errors = [_l("The last day can't be before the first.")]
            ok = False
        else:
            choices.append(Choice(category, first.data, until.data))
    return choices if ok else None
