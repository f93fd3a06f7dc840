"""Account forms. Each form checks its own rules. The sign-up form never says whether an
address has an account (tend/services/signups.py answers that by e-mail)."""
from flask_babel import get_locale, lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from models import THEMES, TRAVEL_FOLLOW_LOCAL, TRAVEL_KEEP_HOME, Role, User, db
from tend.fields import known_timezone
from tend.forms import Form
from tend.i18n import shipped_languages
from tend.reminders import planner
from tend.services import accounts

PASSWORD_MIN = 10
PASSWORD_MAX = 200
NAME_MAX = 80

ROLE_CHOICES = [
    SelectChoice(Role.CLIENT.value, _l("I keep my own record")),
    SelectChoice(Role.THERAPIST.value, _l("I'm a therapist")),
    SelectChoice(Role.CAREGIVER.value, _l("I support someone (family or friend)")),
]
TIMEZONE_CHOICES = [SelectChoice(name) for name in sorted(accounts.TIMEZONES)]


def _required(message):
    return DataRequired(message=message)


def _password_length():
    return Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
                  message=_l("Use between %(min)d and %(max)d characters.",
                             min=PASSWORD_MIN, max=PASSWORD_MAX))


class TimezoneField(SelectField):
    """A select of IANA zones; the browser's own zone is preselected by static/js/app.js."""

    def __init__(self, label, **kwargs):
        super().__init__(label, choices=TIMEZONE_CHOICES, validate_choice=False,
                         default="UTC",
                         validators=[_required(_l("Choose your time zone.")), known_timezone],
                         **kwargs)


class LanguageField(RadioField):
    """The languages this server ships, each named in its own language; the language the
    page is in (the browser's, before there is an account) comes preselected."""

    def __init__(self, label, **kwargs):
        super().__init__(label, choices=shipped_languages, validate_choice=False,
                         default=lambda: str(get_locale()),
                         validators=[_required(_l("Choose a language."))], **kwargs)

    def pre_validate(self, form):
        if self.data not in {code for code, _name in self.choices}:
            raise ValidationError(_l("Choose one of the languages listed."))


class SignupForm(Form):
    display_name = StringField(
        _l("Your name"),
        validators=[_required(_l("Tell us what to call you.")),
                    Length(max=NAME_MAX, message=_l("Use at most %(max)d characters.",
                                                    max=NAME_MAX))],
        description=_l("Shown to the people you choose to share with."))
    email = EmailField(
        _l("E-mail"),
        validators=[_required(_l("Enter your e-mail address.")),
                    Length(max=254, message=_l("That e-mail address is too long.")),
                    Email(message=_l("Enter a valid e-mail address, like name@example.com."),
                          check_deliverability=False)],
        description=_l("We'll send a link to this address to finish."))
    password = PasswordField(
        _l("Password"),
        validators=[_required(_l("Choose a password.")), _password_length()],
        description=_l("At least %(min)d characters. A few words you'll remember work well.",
                       min=PASSWORD_MIN))
    role = RadioField(_l("How will you use Tend?"), choices=ROLE_CHOICES,
                      default=Role.CLIENT.value,
                      validators=[_required(_l("Choose how you'll use Tend."))])
    timezone = TimezoneField(_l("Time zone"))
    locale = LanguageField(_l("Language"))


class LoginForm(Form):
    email = EmailField(_l("E-mail"),
                       validators=[_required(_l("Enter your e-mail address.")),
                                   Length(max=254)])
    password = PasswordField(_l("Password"),
                             validators=[_required(_l("Enter your password.")),
                                         Length(max=PASSWORD_MAX)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"),
                                     validators=[_required(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"),
                                 validators=[_required(_l("Choose a new password.")),
                                             _password_length()])


TRAVEL_CHOICES = [
    SelectChoice(TRAVEL_FOLLOW_LOCAL, _l("Follow local time: doses move to the same clock "
                                         "times where you are")),
    SelectChoice(TRAVEL_KEEP_HOME, _l("Keep home times: doses stay at your home zone's "
                                      "times, and pages also show the time where you are")),
]


class ProfileForm(Form):
    display_name = SignupForm.display_name
    timezone = TimezoneField(
        _l("Time zone"),
        description=_l("Where you are now. Change it when you travel. Doses already logged "
                       "keep the time they were logged at."))
    travel = RadioField(_l("When you're in another time zone"), choices=TRAVEL_CHOICES,
                        default=TRAVEL_FOLLOW_LOCAL,
                        validators=[_required(_l("Choose how your doses follow you."))])

    @property
    def keeps_home_times(self) -> bool:
        return self.travel.data == TRAVEL_KEEP_HOME

    def save_to(self, user: User, now) -> None:
        """The change this form holds, from the account page or the API: the name, and the
        zone the doses follow (re-planning what is ahead)."""
        user.display_name = self.display_name.data.strip()
        planner.set_timezone(db.session, user, self.timezone.data, now,
                             keep_home_times=self.keeps_home_times)


THEME_CHOICES = [
    SelectChoice("system", _l("As this device is set (light or dark)")),
    SelectChoice("light", _l("Light")),
    SelectChoice("dark", _l("Dark")),
]
assert [choice.value for choice in THEME_CHOICES] == list(THEMES)


class ThemeForm(Form):
    theme = RadioField(_l("How Tend looks"), choices=THEME_CHOICES, default="system",
                       validators=[_required(_l("Choose how Tend looks."))])


class LanguageForm(Form):
    locale = LanguageField(_l("Language"))


class ZoneChoiceForm(Form):
    """The choice Today offers when the phone's zone differs from the account's."""

    timezone = ProfileForm.timezone
    travel = ProfileForm.travel

    @property
    def keeps_home_times(self) -> bool:
        return self.travel.data == TRAVEL_KEEP_HOME


def profile_values(user: User) -> dict:
    """What the profile form starts from: where the person is and how doses follow them."""
    return {"display_name": user.display_name, "timezone": user.zone_here,
            "travel": user.travel}
