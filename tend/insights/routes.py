"""The client's Insights page."""
from flask import render_template, request
from flask_login import current_user

from models import db
from tend import clock
from tend.access import client_required
from tend.insights import bp
from tend.services import goals, insights, schedule


@bp.get("/insights")
@client_required
def overview():
    now = clock.now()
    days = insights.parse_days(request.args.get("days"))
    if schedule.plan_doses(db.session, current_user, now):
        db.session.commit()  # days nobody opened Today on
    data = insights.build(db.session, current_user, now, days)
    return render_template("insights/overview.html", data=data, days=days,
                           periods=insights.PERIODS,
                           progress=goals.progress_of_all(db.session, current_user,
                                                          data.period.last, now))
