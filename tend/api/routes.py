"""The JSON API used by the app's own scripts and its offline sync."""
from flask import jsonify
from flask_login import current_user, login_required

from models import db
from tend import clock
from tend.api import bp
from tend.api.validation import valid_form
from tend.auth.forms import ProfileForm, profile_values


def _me():
    return jsonify(id=current_user.id, display_name=current_user.display_name,
                   email=current_user.email, role=current_user.role.value,
                   timezone=current_user.timezone, locale=current_user.locale,
                   travel=current_user.travel, travel_timezone=current_user.travel_timezone)


@bp.get("/me")
@login_required
def me():
    return _me()


@bp.patch("/me")
@login_required
def update_me():
    form = valid_form(ProfileForm, data=profile_values(current_user))
    form.save_to(current_user, clock.now())
    db.session.commit()
    return _me()
