"""Reminder settings and device subscription forms (the JSON endpoints use them too)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from models.push import REFILL_DAY_CHOICES, REPEAT_DELAY_CHOICES
from tend.fields import TimeOfDayField
from tend.forms import Form
from tend.push import endpoints
from tend.sharing.forms import ALERT_DELAY_CHOICES

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

    def validate(self, extra_validators=None):
        """Quiet hours need both ends; the message goes to the empty one. (A field's own
        validator can't say it: ``Optional`` ends the checks of an empty field.)"""
        valid = super().validate(extra_validators)
        start, end = self.quiet_start, self.quiet_end
        if not (start.errors or end.errors) and (start.data is None) != (end.data is None):
            empty = start if start.data is None else end
            empty.errors = [_l("Enter both times, or clear both to turn quiet hours off.")]
            return False
        return valid


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


def reminder_settings_form(medications, caregiver_links, *, settings, checkin_rule, rules,
                           alert_settings, formdata=None):
    """The whole settings page as one form: the general settings, the check-in reminder, per
    medication "remind" and "once more", and per caregiver when to alert and whether paused.
    Without ``formdata`` it shows what is saved."""

    class ReminderSettingsForm(SettingsForm, CheckinReminderForm):
        pass

    for link in caregiver_links:
        setattr(ReminderSettingsForm, f"alert_delay_{link.id}",
                SelectField(_l("Alert when a dose is still unlogged after"),
                            choices=ALERT_DELAY_CHOICES, coerce=int))
        setattr(ReminderSettingsForm, f"alert_paused_{link.id}",
                BooleanField(_l("Pause alerts for now")))
    medication_fields = medication_form(medications, rules=rules)
    for name in medication_fields._fields:
        if name != "csrf_token":
            setattr(ReminderSettingsForm, name, getattr(type(medication_fields), name))
    data = {"show_names": settings.show_names, "quiet_start": settings.quiet_start,
            "quiet_end": settings.quiet_end,
            "repeat_delay_minutes": settings.repeat_delay_minutes,
            "refill_days": settings.refill_days or 0,
            "checkin_enabled": checkin_rule.enabled, "checkin_time": checkin_rule.local_time,
            **{name: field.data for name, field in medication_fields._fields.items()
               if name != "csrf_token"}}
    for link in caregiver_links:
        alerts = alert_settings[link.id]
        data[f"alert_delay_{link.id}"] = alerts.delay_minutes
        data[f"alert_paused_{link.id}"] = alerts.paused
    # formdata=None shows what is saved (Flask-WTF would otherwise read this request's form).
    return ReminderSettingsForm(formdata=formdata, data=data)


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
