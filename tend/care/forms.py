"""Forms for therapists and caregivers."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from models.sharing import THERAPIST_NOTE_LIMIT as NOTE_MAX
from models.update import OBSERVATION_LIMIT, UPDATE_TEXT_LIMIT
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


class UpdateForm(Form):
    """The therapist's voice in a prescriber update, and the period it covers."""

    first = DateInputField(_l("From"), validators=[DataRequired(_l("Choose the first day."))])
    last = DateInputField(_l("To"), validators=[DataRequired(_l("Choose the last day."))])
    observations = TextAreaField(
        _l("Your observations"),
        description=_l("What you noticed in sessions. Your client sees the whole update, this "
                       "included, before approving it."),
        validators=[Length(max=UPDATE_TEXT_LIMIT,
                           message=_l("Use at most %(max)d characters.", max=UPDATE_TEXT_LIMIT))])
    questions = TextAreaField(
        _l("Your questions for the prescriber"),
        validators=[Length(max=UPDATE_TEXT_LIMIT,
                           message=_l("Use at most %(max)d characters.", max=UPDATE_TEXT_LIMIT))])

    validate_last = PeriodForm.validate_last


class ObservationForm(Form):
    """What a caregiver noticed in daily life; the client approves it before therapists see it."""

    observed_on = DateInputField(_l("Day"), validators=[Optional()],
                                 description=_l("Leave empty for today."))
    text = TextAreaField(
        _l("What you noticed"),
        description=_l("For example how mornings, meals, sleep or going out went. The person "
                       "you support decides whether their therapist sees it."),
        validators=[DataRequired(_l("Write what you noticed first.")),
                    Length(max=OBSERVATION_LIMIT,
                           message=_l("Use at most %(max)d characters.", max=OBSERVATION_LIMIT))])
