"""The client's forms. The JSON API validates with these same classes (one rule set)."""
import re
from datetime import date, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FormField, HiddenField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (InputRequired, Length, Optional, StopValidation,
                                ValidationError)

from models import DoseStatus, MedicationKind, PlanKind, Severity, SkipReason, User, db
from models.medication import (AMOUNT_RANGE as AMOUNTS, AMOUNT_UNITS, CYCLE_DAYS_RANGE,
                               HELPED_ANSWERS, INTERVAL_DAYS_RANGE, INTERVAL_HOURS_RANGE,
                               MAX_PER_DAY_RANGE, MAX_TIMES_A_DAY, MEDICATION_FORMS,
                               STRENGTH_RANGE, STRENGTH_UNITS as UNITS, UNITS_RANGE, Regimen)
from models.journal import (CHECKIN_FIELDS, CHECKIN_SCALES, HOURS_RANGE, NOTE_LIMIT, AnswerKind,
                            CheckinField)
from tend.fields import (ABOVE_MAXIMUM, AmountField, DateInputField, InRange, MomentField,
                         NumberChoiceField, NumberChoicesField, NumberField, Required,
                         TimeOfDayField, TimesField, WholeNumberField, known_timezone, parse_amount,
                         uuid_key)
from tend.formatting import clock_hint
from tend.forms import Form, SubForm, show_errors
from tend.services import doses, journal, medications, step_plans
from tend.services.errors import FieldError
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
             SelectChoice("every_hours", _l("Every few hours")),
             SelectChoice("every_days", _l("Every few days")),
             SelectChoice("cycle", _l("Days on, days off")),
             SelectChoice("as_needed", _l("As needed"))]
AMOUNT_UNIT_LABELS = {
    "tablet": _l("tablet"), "capsule": _l("capsule"), "ml": _l("ml"), "drops": _l("drops"),
    "puffs": _l("puffs"), "sprays": _l("sprays"), "patch": _l("patch"),
    "sachet": _l("sachet"), "application": _l("application"), "injection": _l("injection"),
}
AMOUNT_UNIT_CHOICES = [SelectChoice("", _l("Same as form"))] + [
    SelectChoice(value, AMOUNT_UNIT_LABELS[value]) for value in AMOUNT_UNITS]
MIN_INTERVALS = [SelectChoice("", _l("No minimum"))] + [
    SelectChoice(str(hours * 60), _l("%(num)d hours", num=hours)) if hours > 1
    else SelectChoice("60", _l("1 hour")) for hours in (1, 2, 3, 4, 6, 8, 12, 24)]
FOLLOW_UP_DELAYS = [SelectChoice("", _l("Don't ask"))] + [
    SelectChoice("30", _l("After 30 minutes")), SelectChoice("60", _l("After 1 hour")),
    SelectChoice("120", _l("After 2 hours")), SelectChoice("240", _l("After 4 hours"))]
HELPED_LABELS = {"yes": _l("Yes"), "a_little": _l("A little"), "no": _l("No")}
HELPED_CHOICES = [SelectChoice(value, HELPED_LABELS[value]) for value in HELPED_ANSWERS]
WEEKDAYS = [SelectChoice(str(n), label) for n, label in enumerate(
    [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")])]
SKIP_REASONS = [
    SelectChoice(SkipReason.FORGOT.value, _l("I forgot")),
    SelectChoice(SkipReason.CHOSE_NOT_TO.value, _l("I chose not to")),
    SelectChoice(SkipReason.SIDE_EFFECTS.value, _l("Because of side effects")),
    SelectChoice(SkipReason.RAN_OUT.value, _l("I ran out")),
    SelectChoice(SkipReason.COST.value, _l("Because of the cost")),
    SelectChoice(SkipReason.PHARMACY.value, _l("I couldn't get it from the pharmacy")),
    SelectChoice(SkipReason.AWAY.value, _l("I was away from home")),
    SelectChoice(SkipReason.WORRIED.value, _l("I'm worried about it")),
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
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _minutes(choice) -> int | None:
    return int(choice) if choice not in (None, "") else None


class NeededFor(Optional):
    """Optional, except for the schedule kinds that need it: then left empty, ``message``."""

    def __init__(self, *kinds: str, message):
        super().__init__()
        self.kinds, self.message = kinds, message

    def __call__(self, form, field):
        empty = not field.raw_data or not str(field.raw_data[0]).strip()
        if empty and form.schedule.data in self.kinds:
            field.errors[:] = []
            raise StopValidation(self.message)
        super().__call__(form, field)


def _whole(label, limits, message, needed: NeededFor, **kwargs):
    return WholeNumberField(label, validators=[needed, InRange(*limits, message)], **kwargs)


class ScheduleFields:
    """Dose and schedule: shared by adding a medication and changing its dose.

    A fixed schedule needs at least one time. Its days: on the page, at least one box is
    ticked; over the API (``meta.json_body``) no day, like all seven, means every day, the
    way the API itself answers a schedule of every day (``weekdays: []``)."""

    strength = NumberField(_l("Strength"), validators=[Optional(), InRange(
        *STRENGTH_RANGE, _l("Enter a strength above 0."), ABOVE_MAXIMUM)],
        description=_l("As on the label, e.g. 50 for 50 mg. Leave empty if there isn't one."))
    strength_unit = SelectField(_l("Unit"), choices=STRENGTH_UNITS, default="mg")
    amount = AmountField(_l("How much each time"), default=Decimal(1),
                         validators=[_required(_l("Enter how much you take each time.")),
                                     AMOUNT_RANGE],
                         description=_l("A number or a fraction: 1, 0.5, 1/2, 1 1/4"))
    amount_unit = SelectField(_l("Counted in"), choices=AMOUNT_UNIT_CHOICES, default="")
    amount_words = _text(_l("In your words (optional)"), 80,
                         description=_l("e.g. half a tablet, 10 drops in water"))
    schedule = RadioField(_l("When do you take it?"), choices=SCHEDULES, default="fixed")
    times = TimesField(_l("Times of day"), max_entries=MAX_TIMES_A_DAY)
    weekdays = NumberChoicesField(_l("On these days"), choices=WEEKDAYS,
                                  default=[str(n) for n in range(7)])
    first_time = TimeOfDayField(_l("First dose at"), validators=[NeededFor(
        "every_hours", message=_l("Enter the time of the first dose."))])
    last_time = TimeOfDayField(_l("Last dose by"), validators=[NeededFor(
        "every_hours", message=_l("Enter the latest time for a dose."))])
    interval_hours = _whole(_l("Every how many hours?"), INTERVAL_HOURS_RANGE,
                            _l("Enter a number of hours from 1 to 12."),
                            NeededFor("every_hours", message=_l("Enter every how many hours.")))
    interval_days = _whole(_l("Every how many days?"), INTERVAL_DAYS_RANGE,
                           _l("Enter a number of days from 2 to 90."),
                           NeededFor("every_days", message=_l("Enter every how many days.")),
                           description=_l("Counted from the first day: 2 is every other day."))
    cycle_on_days = _whole(_l("Days taking it"), CYCLE_DAYS_RANGE,
                           _l("Enter a number of days from 1 to 365."),
                           NeededFor("cycle", message=_l("Enter how many days you take it.")))
    cycle_off_days = _whole(_l("Days off"), CYCLE_DAYS_RANGE,
                            _l("Enter a number of days from 1 to 365."),
                            NeededFor("cycle", message=_l("Enter how many days you don't.")),
                            description=_l("The cycle starts on the first day and repeats."))
    cycle_day = WholeNumberField(
        _l("Today is day … of the cycle (optional)"),
        validators=[Optional(), InRange(1, 2 * CYCLE_DAYS_RANGE[1],
                                        _l("Enter the day of the cycle you are on today."))],
        description=_l("For a pack you have already started: 10 if today is its 10th day. "
                       "Leave it empty to start the cycle on the first day."))
    max_per_day = WholeNumberField(
        _l("Most doses in a day (optional)"),
        validators=[Optional(), InRange(*MAX_PER_DAY_RANGE, _l("Enter a number from 1 to 24."))],
        description=_l("Tend will point it out if you go over, but won't stop you."))
    reason = _text(_l("What you take it for (optional)"), 200,
                   description=_l("e.g. when I can't sleep"))
    min_interval_minutes = NumberChoiceField(
        _l("At least this long between doses"), choices=MIN_INTERVALS, default="",
        validators=[Optional()],
        description=_l("Tend says so if a dose comes sooner, and still records it."))
    follow_up_minutes = NumberChoiceField(_l("Ask “Did it help?”"), choices=FOLLOW_UP_DELAYS,
                                          default="", validators=[Optional()])

    def _kind_is(self, *kinds) -> bool:
        return self.schedule.data in kinds

    def validate_times(self, field):
        if self._kind_is("fixed", "every_days", "cycle") and not field.data:
            raise ValidationError(_l("Add at least one time, or choose \"As needed\"."))

    def validate_weekdays(self, field):
        every_day_when_empty = getattr(self.meta, "json_body", False)
        if self._kind_is("fixed", "every_hours") and not field.data \
                and not every_day_when_empty:
            raise ValidationError(_l("Choose at least one day."))
        if any(day not in {str(n) for n in range(7)} for day in field.data or []):
            raise ValidationError(_l("Choose days from the list."))

    def validate_last_time(self, field):
        if self._kind_is("every_hours") and self.first_time.data and \
                field.data < self.first_time.data:
            raise ValidationError(_l("Choose a time after the first dose, on the same day."))

    def validate_cycle_day(self, field):
        on, off = self.cycle_on_days.data, self.cycle_off_days.data
        if self._kind_is("cycle") and field.data and on and off and field.data > on + off:
            raise ValidationError(_l("Your cycle has %(num)d days: enter a day from 1 to "
                                     "%(num)d.", num=on + off))

    def weekday_amounts(self) -> dict[int, Decimal]:
        return {day: self[f"amount_{name}"].data for day, name in enumerate(DAY_NAMES)
                if self[f"amount_{name}"].data is not None}

    def regimen_spec(self) -> RegimenSpec:
        kind = self.schedule.data
        return RegimenSpec(
            amount=self.amount.data, strength=self.strength.data,
            strength_unit=self.strength_unit.data if self.strength.data else "",
            amount_unit=self.amount_unit.data or "", amount_words=self.amount_words.data or "",
            as_needed=kind == "as_needed", max_per_day=self.max_per_day.data,
            schedule_kind="fixed" if kind == "as_needed" else kind,
            times=[self.first_time.data.strftime("%H:%M")] if kind == "every_hours"
            else self.times.data or [],
            weekdays=[int(d) for d in (self.weekdays.data or [])],
            interval_hours=self.interval_hours.data,
            last_time=self.last_time.data.strftime("%H:%M") if self.last_time.data else "",
            interval_days=self.interval_days.data, cycle_on_days=self.cycle_on_days.data,
            cycle_off_days=self.cycle_off_days.data,
            cycle_day=self.cycle_day.data if kind == "cycle" else None,
            weekday_amounts=self.weekday_amounts(),
            reason=self.reason.data or "",
            min_interval_minutes=_minutes(self.min_interval_minutes.data),
            follow_up_minutes=_minutes(self.follow_up_minutes.data))

    @staticmethod
    def data_of(regimen: Regimen, today: date | None = None) -> dict:
        """The fields filled in with ``regimen``'s dose and schedule, to start a change from
        (a cycle at the day of it that ``today`` is, so the change keeps the cycle's days)."""
        every_hours = regimen.schedule_kind == "every_hours"
        return {
            "strength": regimen.strength, "strength_unit": regimen.strength_unit or "mg",
            "amount": regimen.amount, "amount_unit": regimen.amount_unit,
            "amount_words": regimen.amount_words,
            "schedule": "as_needed" if regimen.as_needed else regimen.schedule_kind,
            "times": [] if every_hours else list(regimen.times),
            "first_time": time.fromisoformat(regimen.times[0]) if every_hours else None,
            "last_time": time.fromisoformat(regimen.last_time) if regimen.last_time else None,
            "interval_hours": regimen.interval_hours, "interval_days": regimen.interval_days,
            "cycle_on_days": regimen.cycle_on_days, "cycle_off_days": regimen.cycle_off_days,
            "cycle_day": medications.cycle_day_on(regimen, today) if today else None,
            "max_per_day": regimen.max_per_day, "reason": regimen.reason,
            "min_interval_minutes": str(regimen.min_interval_minutes or ""),
            "follow_up_minutes": str(regimen.follow_up_minutes or ""),
            "weekdays": [str(d) for d in regimen.weekdays] or [str(d) for d in range(7)],
            **{f"amount_{name}": Decimal(regimen.weekday_amounts[str(day)])
               for day, name in enumerate(DAY_NAMES)
               if str(day) in (regimen.weekday_amounts or {})}}


for _day, _name in zip(range(7), DAY_NAMES):
    setattr(ScheduleFields, f"amount_{_name}", AmountField(
        WEEKDAYS[_day].label, validators=[Optional(), AMOUNT_RANGE]))
del _day, _name


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
    ends_on = DateInputField(_l("Last day (optional)"), validators=[Optional()],
                             description=_l("If it's for a set time, the day you stop."))
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
                "ends_on": self.ends_on.data,
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


class HelpedForm(Form):
    helped = RadioField(_l("Did it help?"), choices=HELPED_CHOICES,
                        validators=[InputRequired(_l("Choose one of the answers."))])


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


PLAN_KINDS = [SelectChoice(PlanKind.TAPER.value, _l("Taper: the dose goes down step by step")),
              SelectChoice(PlanKind.TITRATION.value, _l("Titration: the dose goes up step by "
                                                        "step"))]
PLAN_WAYS = [SelectChoice("by_size", _l("From a start to a target, by a step size")),
             SelectChoice("list", _l("As a list of amounts"))]
INTERVAL_UNITS = [SelectChoice("weeks", _l("weeks")), SelectChoice("days", _l("days"))]


def plan_amount(text: str, field: str, invalid=AmountField.invalid) -> Decimal:
    """An amount of a step plan, read as the medication form reads one (``parse_amount``,
    ``AMOUNTS``); ``FieldError`` naming ``field`` if it isn't one."""
    try:
        amount = parse_amount((text or "").strip())
    except ValueError:
        raise FieldError(field, invalid)
    if not AMOUNTS[0] <= amount <= AMOUNTS[1]:
        raise FieldError(field, _l("Enter amounts above 0 and at most 100."))
    return amount


def plan_amounts(text: str) -> list[Decimal]:
    """A list of steps: amounts separated by commas, semicolons or new lines ("0,5" is one)."""
    parts = [part for part in re.split(r"[;\n]|,(?!\d)", text or "") if part.strip()]
    return [plan_amount(part, "steps", _l("Write each amount as a number or a fraction, e.g. "
                                          "1, 0.5, ½ or 1/4.")) for part in parts]


class StepPlanForm(Form):
    """A taper or titration entered once. Amounts are read as the medication form reads
    them (``plan_amount``); the errors name these fields."""

    kind = RadioField(_l("What kind of plan?"), choices=PLAN_KINDS, default=PlanKind.TAPER.value)
    way = RadioField(_l("How do you want to enter the steps?"), choices=PLAN_WAYS,
                     default="by_size")
    start_amount = _text(_l("First step: how many per dose"), 20,
                         description=_l("e.g. 1, ¾, 0.5 or 1/4"))
    step_size = _text(_l("Step size"), 20, description=_l("e.g. ¼ (a quarter tablet)"))
    target_amount = _text(_l("Last step: how many per dose"), 20)
    steps = _text(_l("The amount per dose of each step, in order"), 300,
                  description=_l("Separated by commas, e.g. 1, ¾, ½, ¼"))
    first_day = DateInputField(_l("First step starts on"),
                               validators=[_required(_l("Enter the date."))])
    interval = WholeNumberField(_l("Time between steps"), default=4,
                                validators=[_required(_l("Enter how long each step lasts.")),
                                            InRange(1, 365, _l("Enter a number from 1 up."))])
    interval_unit = SelectField(_l("Unit"), choices=INTERVAL_UNITS, default="weeks")
    checkpoint = BooleanField(_l("Ask me “How is this step going?” during each step"))
    checkpoint_days = WholeNumberField(
        _l("How many days into each step"), default=7,
        validators=[Optional(), InRange(1, 365, _l("Choose from 1 to 365 days."))])

    def plan_input(self) -> "step_plans.PlanInput":
        """What ``step_plans.create_plan`` takes; raises ``FieldError`` naming a field."""
        if self.way.data == "list":
            amounts = plan_amounts(self.steps.data)
        else:
            amounts = step_plans.steps_between(
                plan_amount(self.start_amount.data, "start_amount"),
                plan_amount(self.step_size.data, "step_size"),
                plan_amount(self.target_amount.data, "target_amount"))
        days = self.interval.data * (7 if self.interval_unit.data == "weeks" else 1)
        return step_plans.PlanInput(
            kind=PlanKind(self.kind.data) if self.kind.data in {k.value for k in PlanKind}
            else PlanKind.TAPER, amounts=amounts, first_day=self.first_day.data,
            interval_days=days,
            checkpoint_days=(self.checkpoint_days.data or 7) if self.checkpoint.data else None)
