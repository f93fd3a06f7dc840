"""Reminder settings and device subscription forms (the JSON endpoints use them too)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from models.push import REFILL_DAY_CHOICES, REPEAT_DELAY_CHOICES
from tend.fields import TimeOfDayField
from tend.forms import Form
from tend.push import endpoints

DELAY_LABELS = {15: _l("15 minutes"), 30: _l("30 minutes"), 60: _l("1 hour"),
                120: _l("2 hours")}
REPEAT_DELAYS = [SelectChoice(str(m), DELAY_LABELS[m]) for m in REPEAT_DELAY_CHOICES]
REFILL_DAYS = [SelectChoice(str(d), _l("%(num)d days before it runs out", num=d) if d
                            else _l("Never")) for d in REFILL_DAY_CHOICES]


class SettingsForm(Form):
    show_names = BooleanField(_l("Show medication names on the lock screen"),
                              description=_l("Off: notifications say only “Time for your 8:00 "
                                             "medication”, so nobody glancing at your phone "
                                             "learns what you take."))
    quiet_start = TimeField(_l("Quiet from"), validators=[Optional()],
                            description=_l("No notifications between these times. Doses at "
                                           "those times still show on Today."))
    quiet_end = TimeField(_l("Quiet until"), validators=[Optional()])
    repeat_delay_minutes = SelectField(_l("Remind once more after"), choices=REPEAT_DELAYS,
                                       default="30", coerce=int,
                                       description=_l("Only for medications where you turn "
                                                      "this on below, and only if the dose "
                                                      "isn't logged yet."))
    refill_days = SelectField(_l("Refill reminder"), choices=REFILL_DAYS, default="7",
                              coerce=int, description=_l("Needs the number of units you "
                                                         "have, set on the medication."))

    def validate_quiet_end(self, field):
        if (self.quiet_start.data is None) != (field.data is None):
            raise ValidationError(_l("Enter both times, or clear both to turn quiet hours "
                                     "off."))


class CheckinReminderForm(Form):
    """The optional daily check-in reminder: on or off, and at what time of the client's day.
    Field names are prefixed: the form shares its page with the other reminder forms."""

    checkin_enabled = BooleanField(_l("Remind me to check in"))
    checkin_time = TimeOfDayField(_l("Reminder time"))

    def validate_checkin_time(self, field):
        if field.data is None and not field.process_errors and self.checkin_enabled.data:
            raise ValidationError(_l("Choose a time for the reminder, like 20:00."))


def saved_checkin_form(rule) -> CheckinReminderForm:
    """The check-in reminder as saved (never the request's POST, which may be another form's)."""
    return CheckinReminderForm(formdata=None, checkin_enabled=rule.enabled,
                               checkin_time=rule.local_time)


def medication_form(medications, formdata=None, rules=None):
    """One on/off and one "once more" checkbox per medication, built for this client's list."""

    class MedicationRemindersForm(Form):
        pass

    for med in medications:
        setattr(MedicationRemindersForm, f"remind_{med.id}",
                BooleanField(_l("Remind at the scheduled times")))
        setattr(MedicationRemindersForm, f"repeat_{med.id}",
                BooleanField(_l("Once more if not logged yet")))
    data = {}
    for med in medications:
        rule = rules[med.id]
        data[f"remind_{med.id}"], data[f"repeat_{med.id}"] = rule.enabled, rule.repeat
    # formdata=None shows what is saved: Flask-WTF would otherwise read whatever form this
    # request posted (another form on the page) and show every box unticked.
    return MedicationRemindersForm(formdata=formdata, data=data)


class SubscriptionForm(Form):
    """What ``pushManager.subscribe()`` gives, flattened: endpoint, p256dh, auth."""

    endpoint = StringField(validators=[DataRequired(), Length(max=2048)])
    p256dh = StringField(validators=[DataRequired(), Length(min=80, max=200)])
    auth = StringField(validators=[DataRequired(), Length(min=16, max=100)])
    label = StringField(validators=[Optional(), Length(max=80)])

    def validate_endpoint(self, field):
        if not endpoints.endpoint_accepted(field.data):
            raise ValidationError(_l("This browser's push service isn't one Tend can send "
                                     "reminders through."))
