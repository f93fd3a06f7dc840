"""Forms for experiments, checkpoints and appointment preparation."""
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from models import ExperimentKind, NoteKind, Side, Verdict
from tend.fields import DateInputField, MultiCheckboxField
from tend.forms import Form, show_errors
from tend.services import decisions, goals

TEXT_LIMIT = decisions.TEXT_LIMIT


def _length(limit: int):
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


def _long_text(label, required=None, description=None):
    checks = [DataRequired(message=required)] if required else [Optional()]
    return TextAreaField(label, validators=[*checks, _length(TEXT_LIMIT)],
                         description=description)


RULER_CHOICES = [SelectChoice(str(n), str(n)) for n in range(decisions.RULER_RANGE[0],
                                                             decisions.RULER_RANGE[1] + 1)]
RULER_BLANK = SelectChoice("", _l("Leave blank"))


def _ruler(label, description):
    return RadioField(label, choices=RULER_CHOICES + [RULER_BLANK], validate_choice=False,
                      validators=[Optional()], description=description)


class RulerFields(Form):
    """The two optional 0-10 rulers with the client's reasons, at the start of an
    experiment and at each checkpoint. Nothing is scored: there are no right numbers."""

    importance = _ruler(_l("How important is this to me? (optional)"),
                        _l("0 not at all, 10 very important."))
    importance_reason = _long_text(_l("Why that number, and not lower? (optional)"))
    confidence = _ruler(_l("How confident am I that I can do it? (optional)"),
                        _l("0 not at all, 10 very confident."))
    confidence_reason = _long_text(_l("What would help it go up a little? (optional)"))

    def _ruler_value(self, field) -> int | None:
        return int(field.data) if field.data not in (None, "") else None

    def validate_importance(self, field):
        if field.data not in (None, "") and field.data not in {c.value for c in RULER_CHOICES}:
            raise ValidationError(_l("Choose a number from 0 to 10."))

    validate_confidence = validate_importance

    def ruler_input(self) -> decisions.RulerInput:
        return decisions.RulerInput(
            importance=self._ruler_value(self.importance),
            importance_reason=self.importance_reason.data or "",
            confidence=self._ruler_value(self.confidence),
            confidence_reason=self.confidence_reason.data or "")

    def show_ruler(self, ruler) -> None:
        """Fill the fields with rulers already kept."""
        if ruler is not None:
            self.importance.data = "" if ruler.importance is None else str(ruler.importance)
            self.importance_reason.data = ruler.importance_reason
            self.confidence.data = "" if ruler.confidence is None else str(ruler.confidence)
            self.confidence_reason.data = ruler.confidence_reason


class AgreementFields(Form):
    agreed_with = StringField(_l("Agreed with (optional)"),
                              validators=[Optional(), _length(120)],
                              description=_l("If you agreed the trial period and these dates "
                                             "with someone, e.g. \"Dr Patel\"."))
    agreed_on = DateInputField(_l("Agreed on (optional)"), validators=[Optional()])


FORM_KIND_LABELS = {
    ExperimentKind.START: _l("Starting something"),
    ExperimentKind.CHANGE: _l("Changing a dose, a schedule or a habit"),
    ExperimentKind.STOP: _l("Stopping or cutting down"),
}


class ExperimentForm(RulerFields, AgreementFields):
    title = StringField(_l("Name this experiment"),
                        validators=[DataRequired(message=_l("Give it a short name.")),
                                    _length(120)],
                        description=_l("e.g. \"Sertraline 50 to 100 mg\" or \"In bed by "
                                       "11\""))
    strategy = RadioField(_l("What is it about?"),
                          choices=[SelectChoice("", _l("A medication"))] +
                          [SelectChoice(code, label)
                           for code, label in decisions.STRATEGIES.items()],
                          default="", validate_choice=False)
    kind = RadioField(_l("What are you trying?"),
                      choices=[SelectChoice(k.value, FORM_KIND_LABELS[k])
                               for k in ExperimentKind],
                      default=ExperimentKind.CHANGE.value)
    medication_id = SelectField(_l("Which medication? (optional)"), choices=[],
                                validate_choice=False,
                                description=_l("For a strategy: the medication change it "
                                               "goes alongside, if any."))
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


class CheckpointForm(RulerFields):
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


class AgreementForm(AgreementFields):
    pass


class ExpectationForm(Form):
    said_by = StringField(_l("Who said it? (optional)"), validators=[Optional(), _length(120)],
                          description=_l("e.g. \"Dr Patel\" or \"the pharmacist\""))
    effects = _long_text(_l("What effects to expect, and when (optional)"),
                         description=_l("In your own words, e.g. \"sleep may get better "
                                        "in 2 to 4 weeks\"."))
    side_effects = _long_text(_l("Common side effects they mentioned (optional)"))
    when_to_call = _long_text(_l("When to call them (optional)"))
    by_when = DateInputField(_l("By when to expect a difference (optional)"),
                             validators=[Optional()])

    def as_input(self) -> decisions.ExpectationInput:
        return decisions.ExpectationInput(
            said_by=self.said_by.data or "", effects=self.effects.data or "",
            side_effects=self.side_effects.data or "", when_to_call=self.when_to_call.data or "",
            by_when=self.by_when.data)


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

    def goal_link(self):
        return None


def _goal_measure_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Not linked"))] + \
        [SelectChoice(m, decisions.measure_label(m)) for m in decisions.CHECKIN_MEASURES] + \
        [SelectChoice(goals.DOSES_TAKEN, goals.measure_label(goals.DOSES_TAKEN))]


class GoalForm(NoteForm):
    """A goal, optionally linked to one of the record's measures."""

    measure = SelectField(_l("Which measure?"), choices=_goal_measure_choices,
                          validate_choice=False,
                          description=_l("Tend then shows where your record stands on it."))
    side_effect = StringField(_l("Or a side effect's severity (optional)"),
                              validators=[Optional(), _length(80)],
                              description=_l("e.g. nausea"))
    direction = RadioField(_l("Which way would you like it to go?"),
                           choices=[SelectChoice(code, label)
                                    for code, label in goals.DIRECTIONS.items()],
                           default="up", validate_choice=False)
    target = StringField(_l("A target (optional)"), validators=[Optional(), _length(10)],
                         description=_l("e.g. 7 for 7 hours of sleep, 4 for a 1-5 scale, "
                                        "90 for 90 percent of doses."))

    def __init__(self, *args, **kwargs):
        super().__init__(NoteKind.GOAL, *args, **kwargs)

    def goal_link(self):
        """The measure the goal is linked to, or None (raises ``FieldError``)."""
        measure = self.measure.data or ""
        if self.side_effect.data and self.side_effect.data.strip():
            measure = decisions.side_effect_measure(self.side_effect.data)
        if not measure:
            return None
        return goals.GoalLink(measure, self.direction.data or "",
                              goals.parse_target(self.target.data))


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
