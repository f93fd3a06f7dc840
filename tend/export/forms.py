"""Forms for taking data out, bringing it in, and deleting the account."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField
from wtforms.validators import DataRequired

from tend.forms import Form


class ImportForm(Form):
    file = FileField(_l("Tend export file"),
                     validators=[FileRequired(message=_l("Choose the file to import."))],
                     description=_l("The ZIP file Tend made, or the tend.json inside it."))


class DeleteAccountForm(Form):
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(message=_l("Enter your password."))],
                             description=_l("To be sure it's you."))
