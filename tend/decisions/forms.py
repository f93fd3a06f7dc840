"""Forms for experiments, checkpoints and appointment preparation."""
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from models import ExperimentKind, NoteKind, Side, Verdict
from tend.fields import DateInputField, MultiCheckboxField
from tend.forms import Form, show_errors
from tend.services import decisions

TEXT_LIMIT = decisions.TEXT_LIMIT


def _length(limit: int):
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


def _long_text(label, required=None, description=None):
    checks = [DataRequired(message=required)] if required else [Optional()]
    return TextAreaField(label, validators=[*checks, _length(TEXT_LIMIT)],
                         description=description)


class ExperimentForm(Form):
    title = StringField(_l("Name this experiment"),
                        validators=[DataRequired(message=_l("Give it a short name.")),
                                    _length(120)],
                        description=_l("e.g. \"Sertraline 50 to 100 mg\""))
    kind = RadioField(_l("What are you trying?"),
                      choices=[SelectChoice(k.value, decisions.KIND_LABELS[k])
                               for k in ExperimentKind],
                      default=ExperimentKind.CHANGE.value)
    medication_id = SelectField(_l("Which medication? (optional)"), choices=[],
                                validate_choice=False)
    changed_on = DateInputField(_l("The day the change starts"),
                                validators=[InputRequired(message=_l("Enter the date."))])
    hopes = _long_text(_l("What do you hope will change?"),
                       required=_l("Write what you hope for, in your own words."),
                       description=_l("In your own words. There are no wrong answers."))
    worries = _long_text(_l("What worries you about it? (optional)"))
    measures = MultiCheckboxField(
        _l("What will you keep an eye on?"),
        choices=[SelectChoice(m, decisions.measure_label(m))
                 for m in decisions.CHECKIN_MEASURES],
        description=_l("From your daily check-ins."))
    side_effect = StringField(_l("A side effect to watch (optional)"),
                              validators=[Optional(), _length(80)],
                              description=_l("e.g. nausea. Tend compares how often and how "
                                             "strongly you logged it."))
    baseline_days = RadioField(
        _l("Compare how many days at a time?"),
        choices=[SelectChoice(str(n), _l("%(num)d days", num=n))
                 for n in decisions.BASELINE_CHOICES],
        default=str(decisions.DEFAULT_BASELINE_DAYS),
        description=_l("The same number of days just before the change and just before "
                       "each checkpoint."))
    checkpoints = FieldList(DateInputField(_l("Look back on"), validators=[Optional()]),
                            min_entries=3, max_entries=decisions.MAX_CHECKPOINTS)

    def chosen_measures(self) -> list[str]:
        measures = list(self.measures.data or [])
        if self.side_effect.data and self.side_effect.data.strip():
            measures.append(decisions.side_effect_measure(self.side_effect.data))
        return measures

    def validate_measures(self, field):
        if not self.chosen_measures():
            raise ValidationError(_l("Choose at least one thing to keep an eye on."))

    def chosen_checkpoints(self) -> list:
        """The dates given, else the suggested ones from the day of the change."""
        dates = [entry.data for entry in self.checkpoints.entries if entry.data]
        if dates or not self.changed_on.data:
            return dates
        return decisions.suggested_checkpoints(self.changed_on.data)

    def validate(self, extra_validators=None):
        """The dates' rule (``decisions.checkpoint_errors``) shows with the other errors."""
        valid = super().validate(extra_validators)
        if any(self.checkpoints.errors):  # a date that isn't one says so first
            return valid
        return show_errors(self, decisions.checkpoint_errors(self.chosen_checkpoints(),
                                                             self.changed_on.data)) and valid


class CheckpointForm(Form):
    verdict = RadioField(_l("How is it going, in your view?"),
                         choices=[SelectChoice(v.value, decisions.VERDICT_LABELS[v])
                                  for v in Verdict],
                         validators=[DataRequired(message=_l("Choose the answer closest to "
                                                             "how you see it."))])
    reflection = _long_text(_l("What have you noticed? (optional)"),
                            description=_l("Things the numbers don't show count too."))
    next_step = _long_text(_l("What would you like to talk about next? (optional)"),
                           description=_l("e.g. keep going as is, ask about the dose, "
                                          "ask about other options."))


class AddCheckpointForm(Form):
    due_on = DateInputField(_l("Another date to look back"),
                            validators=[InputRequired(message=_l("Enter the date."))])


NOTE_LABELS = {NoteKind.GOAL: _l("A goal for your care"),
               NoteKind.CONCERN: _l("A concern you want to raise")}


class NoteForm(Form):
    """Goals and concerns: one form per kind on the page, told apart by ``prefix``."""

    text = TextAreaField(_l("Text"), validators=[
        DataRequired(message=_l("Write a few words first.")), _length(TEXT_LIMIT)])

    def __init__(self, kind: NoteKind, *args, **kwargs):
        super().__init__(*args, prefix=kind.value, **kwargs)
        self.text.label.text = NOTE_LABELS[kind]


class BalanceForm(Form):
    topic = StringField(_l("A decision you're weighing"),
                        validators=[DataRequired(message=_l("Write the decision in a few "
                                                            "words.")), _length(200)],
                        description=_l("e.g. \"Whether to lower my dose\""))


REASON_LABELS = {Side.PRO: _l("A reason for"), Side.CON: _l("A reason against")}


class ReasonForm(Form):
    """A pro or a con of one decision; ``prefix`` keeps each form's fields apart."""

    text = StringField(_l("Reason"), validators=[
        DataRequired(message=_l("Write a few words first.")), _length(500)])

    def __init__(self, balance_id: int, side: Side, *args, **kwargs):
        super().__init__(*args, prefix=f"b{balance_id}-{side.value}", **kwargs)
        self.text.label.text = REASON_LABELS[side]


class QuestionForm(Form):
    text = TextAreaField(_l("A question for your next appointment"), validators=[
        DataRequired(message=_l("Write your question first.")), _length(TEXT_LIMIT)])


class AnswerForm(Form):
    answer = TextAreaField(_l("The answer, in your words"), validators=[
        DataRequired(message=_l("Write the answer first.")), _length(TEXT_LIMIT)])
