"""Today's notice when the phone's time zone differs from the account's: the script
(static/js/zone-notice.js) asks for it with the phone's zone, and its two choices post here.
Without the script there is no notice; the account page offers the same choice."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import db
from tend import clock
from tend.access import client_required
from tend.auth import bp
from tend.auth.forms import ZoneChoiceForm
from tend.formatting import zone_place
from tend.reminders import planner
from tend.services import accounts

SAME_CLOCK_DAYS = 366  # two zones whose clocks agree all year (aliases, neighbours) are one


def reads_the_same(one: str, other: str, now: datetime) -> bool:
    """Whether two zones' clocks agree for the year ahead: then the doses would not move,
    and there is nothing to ask (Europe/Paris for Europe/Amsterdam, Asia/Calcutta)."""
    first, second = ZoneInfo(one), ZoneInfo(other)
    moments = (now + timedelta(days=day) for day in range(0, SAME_CLOCK_DAYS, 7))
    return all(moment.astimezone(first).utcoffset() == moment.astimezone(second).utcoffset()
               for moment in moments)


@bp.get("/account/zone-notice")
@client_required
def zone_notice():
    """The notice for a phone on ``zone``, or 204 when its clock reads as the client's."""
    zone = request.args.get("zone", "")
    if not accounts.is_known_timezone(zone):
        return jsonify(errors={"zone": [_("Choose a time zone from the list.")]}), 400
    if reads_the_same(zone, current_user.zone_here, clock.now()):
        return "", 204
    return render_template("auth/_zone_notice.html", zone=zone, form=ZoneChoiceForm())


@bp.post("/account/zone")
@client_required
def change_zone():
    form = ZoneChoiceForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "error")
        return redirect(url_for("auth.account"))
    planner.set_timezone(db.session, current_user, form.timezone.data, clock.now(),
                         keep_home_times=form.keeps_home_times)
    db.session.commit()
    if current_user.travel_timezone:
        flash(_("Your doses stay at %(home)s times while you're in %(here)s.",
                home=zone_place(current_user.timezone),
                here=zone_place(current_user.travel_timezone)), "success")
    else:
        flash(_("Your doses now follow %(place)s time.",
                place=zone_place(current_user.timezone)), "success")
    return redirect(url_for("client.today"))
