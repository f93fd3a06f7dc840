"""Get help's forms: a contact, and the region for the emergency number. The phone rule is
the service's (``services.help.check_phone``), so the form and the service agree."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from models import HelpContactKind
from models.help import NAME_LIMIT, NOTE_LIMIT
from tend.fields import Required
from tend.forms import Form
from tend.help.labels import KIND_LABELS
from tend.services import help as help_rules
from tend.services.errors import FieldError


def valid_phone(form, field):
    try:
        field.data = help_rules.check_phone(field.data)
    except FieldError as error:
        raise ValidationError(error.message)


def _limit(limit):
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


class ContactForm(Form):
    kind = RadioField(_l("Who is this?"),
                      choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in HelpContactKind],
                      validators=[Required(_l("Choose who this is."))])
    name = StringField(_l("Name"), validators=[
        Required(_l("Enter a name, so you know who this is.")), _limit(NAME_LIMIT)],
        description=_l("For example: Dr Lee, Sam (my sister), Samaritans."))
    phone = StringField(_l("Phone number"), validators=[
        Required(_l("Enter a phone number.")), valid_phone])
    texting = BooleanField(_l("This number can get text messages"))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), _limit(NOTE_LIMIT)],
                         description=_l("For example: opening hours, or when to call."))

    def as_input(self) -> help_rules.ContactInput:
        return help_rules.ContactInput(kind=HelpContactKind(self.kind.data),
                                       name=self.name.data, phone=self.phone.data,
                                       texting=self.texting.data, note=self.note.data or "")


class RegionForm(Form):
    region = SelectField(_l("Country or region"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = choices
