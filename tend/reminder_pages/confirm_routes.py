"""The one-tap confirm screen a dose's notification opens where the browser shows no buttons
(Safari and iOS home-screen apps, Firefox): "Log the 8:00 AM dose as taken?".

Signed in (a cold start goes through sign-in and comes back here); the answers post to the
same dose log as Today, with its CSRF check, its idempotency key and its messages."""
from flask import abort, render_template, url_for
from flask_login import current_user

from models import db
from tend.access import client_required
from tend.client.views import new_key
from tend.reminder_pages import bp
from tend.services import doses


@bp.get("/dose/<int:planned_dose_id>")
@client_required
def confirm_dose(planned_dose_id: int):
    planned = doses.planned_dose_of(db.session, current_user, planned_dose_id)
    if planned is None:
        abort(404)
    back = url_for("client.today", _anchor=f"dose-{planned.id}")
    return render_template("reminders/confirm_dose.html", planned=planned, event=planned.event,
                           key=new_key(), back=back)
