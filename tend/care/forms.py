"""Forms for therapists and caregivers."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from models.sharing import THERAPIST_NOTE_LIMIT as NOTE_MAX
from tend.fields import DateInputField
from tend.forms import Form


class CodeForm(Form):
    code = StringField(_l("Invitation code"),
                       validators=[DataRequired(_l("Enter the code from your invitation.")),
                                   Length(max=40, message=_l("That code is too long."))],
                       description=_l("Twelve letters and numbers, like ABCD-EFGH-JKLM."))


class ConfirmForm(Form):
    """A button that changes something: only the CSRF token."""


def _note_text(label, when_empty, description) -> TextAreaField:
    return TextAreaField(label, description=description, validators=[
        DataRequired(when_empty),
        Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.", max=NOTE_MAX))])


class NoteForm(Form):
    text = _note_text(_l("New note"), _l("Write something first."),
                      _l("Your client can read every note you write here."))


class EditNoteForm(Form):
    text = _note_text(_l("Note"), _l("Write something, or remove the note instead."),
                      _l("Your client will see that you edited it, and when."))


class PeriodForm(Form):
    """The period of a prescriber update (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    first = DateInputField(_l("From"), validators=[DataRequired(_l("Choose the first day."))])
    last = DateInputField(_l("To"), validators=[DataRequired(_l("Choose the last day."))])

    def validate_last(self, field):
        if self.first.data and field.data and field.data < self.first.data:
            raise ValidationError(_l("The last day can't be before the first."))
        if self.first.data and field.data and (field.data - self.first.data).days >= 366:
            raise ValidationError(_l("Choose a period of at most a year."))
