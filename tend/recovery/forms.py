"""Forms for getting back into an account."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from tend.auth.forms import PASSWORD_MIN, _password_length
from tend.forms import Form


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), filters=[lambda value: value.strip() if value else value],
                       validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        Length(max=254, message=_l("That e-mail address is too long.")),
        Email(message=_l("Enter a valid e-mail address, like name@example.com."),
              check_deliverability=False)])


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a new password.")), _password_length()],
        description=_l("At least %(min)d characters. A few words you'll remember work well.",
                       min=PASSWORD_MIN))
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(message=_l("Type the new password again.")),
        EqualTo("password", message=_l("The two passwords are different. Type them again."))])
