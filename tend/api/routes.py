"""The JSON API used by the app's own scripts and its offline sync."""
from flask import jsonify
from flask_login import current_user, login_required

from models import db
from tend import clock
from tend.api import bp
from tend.api.validation import form_from_json
from tend.auth.forms import ProfileForm, profile_values
from tend.reminders import planner


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
    form, error = form_from_json(ProfileForm, data=profile_values(current_user))
    if error:
        return error
    current_user.display_name = form.display_name.data.strip()
    planner.set_timezone(db.session, current_user, form.timezone.data, clock.now(),
                         keep_home_times=form.keeps_home_times)
    db.session.commit()
    return _me()
