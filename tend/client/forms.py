"""The client's forms. The JSON API validates with these same classes (one rule set)."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import FormField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from models import DoseStatus, MedicationKind, Severity, SkipReason, User, db
from models.medication import (AMOUNT_RANGE as AMOUNTS, MAX_PER_DAY_RANGE, MAX_TIMES_A_DAY,
                               MEDICATION_FORMS, STRENGTH_RANGE, STRENGTH_UNITS as UNITS,
                               UNITS_RANGE)
from models.journal import (CHECKIN_FIELDS, CHECKIN_SCALES, HOURS_RANGE, NOTE_LIMIT, AnswerKind,
                            CheckinField)
from tend.fields import (ABOVE_MAXIMUM, DateInputField, InRange, MomentField, NumberChoiceField,
                         NumberChoicesField, NumberField, Required, TimesField,
                         WholeNumberField, known_timezone, uuid_key)
from tend.formatting import clock_hint
from tend.forms import Form, SubForm, show_errors
from tend.services import doses, journal
from tend.services.journal import SideEffectInput
from tend.services.medications import RegimenSpec

FORM_LABELS = {
    "tablet": _l("Tablet"), "capsule": _l("Capsule"), "liquid": _l("Liquid"),
    "drops": _l("Drops"), "patch": _l("Patch"), "injection": _l("Injection"),
    "inhaler": _l("Inhaler"), "spray": _l("Spray"), "cream": _l("Cream or gel"),
    "other": _l("Other"),
}
FORMS = [SelectChoice(value, FORM_LABELS[value]) for value in MEDICATION_FORMS]
STRENGTH_UNITS = [SelectChoice(u) for u in UNITS]
KINDS = [
    SelectChoice(MedicationKind.PRESCRIBED.value, _l("Prescribed")),
    SelectChoice(MedicationKind.OVER_THE_COUNTER.value, _l("Over the counter")),
    SelectChoice(MedicationKind.SUPPLEMENT.value, _l("Supplement")),
]
SCHEDULES = [SelectChoice("fixed", _l("At set times")),
             SelectChoice("as_needed", _l("As needed"))]
WEEKDAYS = [SelectChoice(str(n), label) for n, label in enumerate(
    [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")])]
SKIP_REASONS = [
    SelectChoice(SkipReason.FORGOT.value, _l("I forgot")),
    SelectChoice(SkipReason.CHOSE_NOT_TO.value, _l("I chose not to")),
    SelectChoice(SkipReason.SIDE_EFFECTS.value, _l("Because of side effects")),
    SelectChoice(SkipReason.RAN_OUT.value, _l("I ran out")),
    SelectChoice(SkipReason.OTHER.value, _l("Another reason")),
]
SEVERITIES = [
    SelectChoice(Severity.NONE.value, _l("None now")),
    SelectChoice(Severity.MILD.value, _l("Mild")),
    SelectChoice(Severity.MODERATE.value, _l("Moderate")),
    SelectChoice(Severity.SEVERE.value, _l("Severe")),
]


def scale(low: str, high: str):
    """A labelled 1-5 scale; the labels at the ends say what the numbers mean."""
    return [SelectChoice(str(n), label) for n, label in
            zip(range(1, 6), [low, _l("2"), _l("3"), _l("4"), high])]


class ScaleField(NumberChoiceField):
    """A 1-5 scale with a message that says so when a value is off the scale."""

    def pre_validate(self, form):
        if self.data not in (None, "") and self.data not in {c.value for c in self.choices}:
            raise ValidationError(_l("Choose a number from 1 to 5."))


def _required(message):
    return Required(message=message)


def _text(label, limit, required=None, **kwargs):
    checks = [_required(required)] if required else [Optional()]
    checks.append(Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit)))
    return StringField(label, validators=checks, **kwargs)


def _note(label=_l("Note"), limit=1000, **kwargs):
    return TextAreaField(label, validators=[Optional(), Length(
        max=limit, message=_l("Use at most %(max)d characters.", max=limit))], **kwargs)


def _key():
    return HiddenField(validators=[Optional(), uuid_key])


AMOUNT_RANGE = InRange(*AMOUNTS, _l("Enter an amount above 0 and at most 100."))


class ScheduleFields:
    """Dose and schedule: shared by adding a medication and changing its dose.

    A fixed schedule needs at least one time. Its days: on the page, at least one box is
    ticked; over the API (``meta.json_body``) no day, like all seven, means every day, the
    way the API itself answers a schedule of every day (``weekdays: []``)."""

    strength = NumberField(_l("Strength"), validators=[Optional(), InRange(
        *STRENGTH_RANGE, _l("Enter a strength above 0."), ABOVE_MAXIMUM)],
        description=_l("As on the label, e.g. 50 for 50 mg. Leave empty if there isn't one."))
    strength_unit = SelectField(_l("Unit"), choices=STRENGTH_UNITS, default="mg")
    amount = NumberField(_l("How many per dose"), default=Decimal(1),
                         validators=[_required(_l("Enter how many you take each time.")),
                                     AMOUNT_RANGE],
                         description=_l("e.g. 1 tablet, 0.5 tablet, 5 (ml)"))
    schedule = RadioField(_l("When do you take it?"), choices=SCHEDULES, default="fixed")
    times = TimesField(_l("Times of day"), max_entries=MAX_TIMES_A_DAY)
    weekdays = NumberChoicesField(_l("On these days"), choices=WEEKDAYS,
                                  default=[str(n) for n in range(7)])
    max_per_day = WholeNumberField(
        _l("Most doses in a day (optional)"),
        validators=[Optional(), InRange(*MAX_PER_DAY_RANGE, _l("Enter a number from 1 to 24."))],
        description=_l("Tend will point it out if you go over, but won't stop you."))

    def validate_times(self, field):
        if self.schedule.data == "fixed" and not field.data:
            raise ValidationError(_l("Add at least one time, or choose \"As needed\"."))

    def validate_weekdays(self, field):
        every_day_when_empty = getattr(self.meta, "json_body", False)
        if self.schedule.data == "fixed" and not field.data and not every_day_when_empty:
            raise ValidationError(_l("Choose at least one day."))
        if any(day not in {str(n) for n in range(7)} for day in field.data or []):
            raise ValidationError(_l("Choose days from the list."))

    def regimen_spec(self) -> RegimenSpec:
        return RegimenSpec(
            amount=self.amount.data, strength=self.strength.data,
            strength_unit=self.strength_unit.data if self.strength.data else "",
            as_needed=self.schedule.data == "as_needed", max_per_day=self.max_per_day.data,
            times=self.times.data or [], weekdays=[int(d) for d in (self.weekdays.data or [])])


class MedicationForm(ScheduleFields, Form):
    name = _text(_l("Name"), 120, required=_l("Enter the medication's name."))
    form = SelectField(_l("Form"), choices=FORMS, default="tablet")
    kind = RadioField(_l("Kind"), choices=KINDS, default=MedicationKind.PRESCRIBED.value)
    purpose = _text(_l("What it's for, in your words (optional)"), 300)
    prescriber = _text(_l("Prescribed by (optional)"), 120)
    missed_dose_instructions = _note(
        _l("If a dose is missed (optional)"), 1000,
        description=_l("What your prescriber or pharmacist said to do, in their words. Today "
                       "shows it when a dose is late."))
    started_on = DateInputField(_l("Started on"),
                                validators=[_required(_l("Enter the day you started."))])
    units_on_hand = NumberField(
        _l("How many you have now (optional)"),
        validators=[Optional(), InRange(*UNITS_RANGE, _l("Enter a number from 0 up."),
                                         ABOVE_MAXIMUM)],
        description=_l("Tend counts down as you log doses and estimates when you'll run out."))
    idempotency_key = _key()

    def new_medication(self) -> dict:
        """What ``medications.create_medication`` takes from this form (page and API)."""
        return {"name": self.name.data, "form": self.form.data,
                "kind": MedicationKind(self.kind.data), "purpose": self.purpose.data or "",
                "prescriber": self.prescriber.data or "", "started_on": self.started_on.data,
                "spec": self.regimen_spec(), "units_on_hand": self.units_on_hand.data,
                "missed_dose_instructions": self.missed_dose_instructions.data or "",
                "idempotency_key": self.idempotency_key.data or None}


class DetailsForm(Form):
    """Correcting what a medication is (not its dose: that is a change with a date)."""

    name = MedicationForm.name
    form = MedicationForm.form
    kind = MedicationForm.kind
    purpose = MedicationForm.purpose
    prescriber = MedicationForm.prescriber
    missed_dose_instructions = MedicationForm.missed_dose_instructions
    started_on = MedicationForm.started_on


class ChangeDoseForm(ScheduleFields, Form):
    effective_on = DateInputField(_l("From"), validators=[_required(_l("Enter the date."))])
    note = _text(_l("Why it changed (optional)"), 300)


class StopForm(Form):
    ended_on = DateInputField(_l("Stopped on"), validators=[_required(_l("Enter the date."))])
    reason = _text(_l("Why (optional)"), 300)


class RefillForm(Form):
    units = NumberField(_l("How many did you get?"),
                        validators=[_required(_l("Enter how many you got.")),
                                    InRange(Decimal("0.01"), Decimal(100000),
                                             _l("Enter a number above 0."), ABOVE_MAXIMUM)])


def entry_zone(client: User | None, planned_dose_id) -> str:
    """The zone a dose's time is entered in: a scheduled dose's own zone (its day may have
    been lived in another), else where the client is, the zone ``doses.record`` gives it."""
    if client is None:
        return "UTC"
    planned = doses.planned_dose_of(db.session, client, planned_dose_id) \
        if planned_dose_id else None
    return planned.timezone if planned else client.zone_here


class DoseForm(Form):
    medication_id = WholeNumberField(_l("Medication"),
                                     validators=[_required(_l("Choose a medication."))])
    planned_dose_id = WholeNumberField(validators=[Optional()])
    status = RadioField(_l("What happened"), default="taken", choices=[
        SelectChoice("taken", _l("Taken")), SelectChoice("skipped", _l("Skipped"))])
    taken_at = MomentField(_l("When"), validators=[Optional()])
    skip_reason = SelectField(_l("Reason (optional)"), validators=[Optional()],
                              choices=[SelectChoice("", _l("Choose…"))] + SKIP_REASONS)
    note = _note(_l("Note (optional)"), 500)
    idempotency_key = _key()

    def __init__(self, *args, client: User | None = None, zone: str | None = None, **kwargs):
        """``taken_at`` is read and shown on ``zone``'s clock (an event's own zone, when
        editing it), else on the zone of the dose it logs (``entry_zone``)."""
        super().__init__(*args, **kwargs)
        self.zone_name = zone or entry_zone(client, self.planned_dose_id.data)
        self.taken_at.zone_name = self.zone_name  # read when it validates and shows
        self.taken_at.description = clock_hint(self.zone_name) if client else ""

    def validate_status(self, field):
        if field.data not in ("taken", "skipped"):
            raise ValidationError(_l("Choose taken or skipped."))

    def dose_record(self) -> dict:
        """What ``doses.record`` takes from this form (page and API)."""
        return {"medication_id": self.medication_id.data,
                "planned_dose_id": self.planned_dose_id.data,
                "status": DoseStatus(self.status.data), "taken_at": self.taken_at.data,
                "skip_reason": SkipReason(self.skip_reason.data) if self.skip_reason.data
                else None,
                "note": self.note.data or "", "idempotency_key": self.idempotency_key.data or None}


class SideEffectForm(Form):
    symptom = _text(_l("What did you notice?"), 80,
                    required=_l("Describe the side effect in a few words."))
    # Chosen, never assumed: the page preselects "Mild", a JSON body must say.
    severity = RadioField(_l("How strong is it?"), choices=SEVERITIES, default="mild",
                          validators=[InputRequired(_l("Choose how strong it is."))])
    medication_ids = NumberChoicesField(_l("Which medication might cause it? (optional)"),
                                        choices=[], validate_choice=False)
    started_on = DateInputField(_l("Started on"),
                                validators=[_required(_l("Enter when it started."))])
    ended_on = DateInputField(_l("Ended on (optional)"), validators=[Optional()])
    note = _note(_l("Note (optional)"))
    idempotency_key = _key()

    # The client's local day, set by the page: the rules about days (not in the future, the
    # end not before the start) are then shown with every other error, in one round.
    today = None

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.today is None:
            return valid
        errors = journal.side_effect_day_errors(self.started_on.data, self.ended_on.data,
                                                self.today)
        return show_errors(self, errors) and valid

    def validate_medication_ids(self, field):
        for value in field.data or []:
            if not str(value).isdigit():
                raise ValidationError(_l("Choose from your own medications."))

    def side_effect_input(self) -> SideEffectInput:
        """What the journal records from this form (page and API)."""
        return SideEffectInput(
            symptom=self.symptom.data, severity=Severity(self.severity.data),
            started_on=self.started_on.data, ended_on=self.ended_on.data,
            note=self.note.data or "", medication_ids=self.medication_ids.data)


def _answer_field(item: CheckinField):
    """The form field of one check-in answer, as the check-in vocabulary describes it."""
    if item.kind is AnswerKind.HOURS:
        return NumberField(item.question, validators=[Optional(), InRange(
            *HOURS_RANGE, _l("Enter hours from 0 to 24."))])
    if item.kind is AnswerKind.SCALE:
        return ScaleField(item.question, validators=[Optional()],
                          choices=scale(item.low, item.high))
    return _note(item.question, NOTE_LIMIT)


class CheckinAnswers:
    """The check-in's answers as fields, one per entry of ``CHECKIN_FIELDS`` (set below)."""

    SCALES = tuple(item.name for item in CHECKIN_SCALES)

    def answers(self) -> dict:
        """The answers this submission holds, as the journal takes them; one it left out
        (an unchosen scale, a JSON key not sent) is not among them, so it stays as saved."""
        result = {}
        for item in CHECKIN_FIELDS:
            field = self[item.name]
            if not field.raw_data:
                continue
            if item.kind is AnswerKind.SCALE:
                result[item.name] = int(field.data) if field.data else None
            else:
                result[item.name] = field.data
        return result


for _item in CHECKIN_FIELDS:
    setattr(CheckinAnswers, _item.name, _answer_field(_item))
del _item


class CheckinBase(SubForm, CheckinAnswers):
    """What a device's check-in form started from (``base-<answer>``): the journal tells an
    answer someone changed from one nobody touched by it."""


class CheckInForm(Form, CheckinAnswers):
    date = DateInputField(_l("Day"), validators=[_required(_l("Enter the day."))])
    idempotency_key = _key()
    edited_at = MomentField(_l("When you made this change"), validators=[Optional()])
    # The zone the device was in when the entry was made (sent by the offline queue): a day
    # entered before a flight west is already past there, though still ahead at home.
    entered_in = StringField(_l("Time zone of the entry"),
                             validators=[Optional(), known_timezone])
    base = FormField(CheckinBase)

    def __init__(self, *args, timezone: str = "UTC", **kwargs):
        self.zone_name = timezone  # read by edited_at when it validates
        super().__init__(*args, **kwargs)

    def base_answers(self) -> dict:
        return self.base.form.answers()
