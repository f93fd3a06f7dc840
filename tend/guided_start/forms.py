"""The first medication, with the schedules people choose most often as presets; everything
else (days of the week, several times, a supply count) is on the full medication form."""
from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from models import MedicationKind
from tend.client.forms import MedicationForm
from tend.fields import TimeOfDayField
from tend.forms import Form
from tend.services.medications import RegimenSpec


@dataclass(frozen=True)
class SchedulePreset:
    key: str
    label: object
    times: tuple[str, ...] = ()  # the times the form starts from; the client can change them
    as_needed: bool = False
    opens_plan: bool = False  # a step plan: once a day at first, then the plan's own form


SCHEDULE_PRESETS = [
    SchedulePreset("once", _l("Once a day"), ("08:00",)),
    SchedulePreset("twice", _l("Twice a day"), ("08:00", "20:00")),
    SchedulePreset("as_needed", _l("As needed"), as_needed=True),
    SchedulePreset("step_plan", _l("A dose that changes on set dates (a taper or a step-up)"),
                   ("08:00",), opens_plan=True),
]
PRESETS = {preset.key: preset for preset in SCHEDULE_PRESETS}


def _time(label, preset_time: str):
    return TimeOfDayField(label, validators=[Optional()], default=time.fromisoformat(preset_time))


class FirstMedicationForm(Form):
    name = MedicationForm.name
    strength = MedicationForm.strength
    strength_unit = MedicationForm.strength_unit
    preset = RadioField(_l("How often do you take it?"), default="once",
                        choices=[SelectChoice(p.key, p.label) for p in SCHEDULE_PRESETS])
    first_time = _time(_l("At"), PRESETS["twice"].times[0])
    second_time = _time(_l("And at"), PRESETS["twice"].times[1])
    idempotency_key = MedicationForm.idempotency_key

    @property
    def chosen(self) -> SchedulePreset | None:
        return PRESETS.get(self.preset.data)

    def validate_preset(self, field):
        if self.chosen is None:
            raise ValidationError(_l("Choose how often you take it."))

    def validate_first_time(self, field):
        if self.chosen and not self.chosen.as_needed and field.data is None \
                and not field.errors:
            raise ValidationError(_l("Enter the time you take it."))

    def validate_second_time(self, field):
        if self.preset.data != "twice" or field.errors:
            return
        if field.data is None:
            raise ValidationError(_l("Enter the second time."))
        if field.data == self.first_time.data:
            raise ValidationError(_l("Choose a time different from the first."))

    def times(self) -> list[str]:
        if self.chosen.as_needed:
            return []
        chosen = [self.first_time.data] + ([self.second_time.data]
                                           if self.preset.data == "twice" else [])
        return [self.first_time.format(t) for t in chosen]

    def new_medication(self, started_on) -> dict:
        """What ``medications.create_medication`` takes (the rest as the full form's
        defaults: a prescribed tablet, one at a time, every day)."""
        return {"name": self.name.data, "form": "tablet", "kind": MedicationKind.PRESCRIBED,
                "started_on": started_on, "idempotency_key": self.idempotency_key.data or None,
                "spec": RegimenSpec(amount=Decimal(1), strength=self.strength.data,
                                    strength_unit=self.strength_unit.data
                                    if self.strength.data else "",
                                    as_needed=self.chosen.as_needed, times=self.times(),
                                    weekdays=list(range(7)))}
