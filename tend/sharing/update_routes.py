"""The client's answers: prescriber updates to approve before they go out, the choice to let a
therapist prepare them without asking, and caregivers' observations to approve one by one."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import LinkStatus, LogAction, Role, db
from tend import access, clock
from tend.access import client_required
from tend.care import update_document
from tend.care.forms import ConfirmForm
from tend.formatting import date_range, short_date
from tend.services import observations as observation_rules
from tend.services import prescriber_updates as updates
from tend.services import care_team
from tend.sharing import bp
from tend.sharing.routes import _own_link


@bp.get("/updates")
@client_required
def updates_list():
    therapists = [link for link in care_team.links_of(db.session, current_user)
                  if link.role is Role.THERAPIST and link.status is LinkStatus.ACTIVE]
    return render_template("sharing/updates.html",
                           updates=updates.for_client(db.session, current_user),
                           therapists=therapists, confirm=ConfirmForm(),
                           needs_approval=updates.needs_approval)


@bp.get("/updates/<int:update_id>")
@client_required
def update(update_id: int):
    found = updates.find_for_client(db.session, current_user, update_id)
    if found is None:
        abort(404)
    return render_template("sharing/update.html", update=found, confirm=ConfirmForm(),
                           document=update_document.build(found),
                           needs_approval=updates.needs_approval(found))


@bp.post("/updates/<int:update_id>/approve")
@client_required
def approve_update(update_id: int):
    now = clock.now()
    found = updates.find_for_client(db.session, current_user, update_id)
    if found is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if found.approved_at is None:
        updates.approve(found, now)
        access.log(current_user, current_user, LogAction.CHANGE, _("Prescriber update"), now,
                   detail=_("You approved %(name)s's update for %(period)s",
                            name=found.author_name,
                            period=date_range(found.first_day, found.last_day)))
        db.session.commit()
    flash(_("Approved. %(name)s can now download or print this update.",
            name=found.author_name), "success")
    return redirect(url_for("sharing.update", update_id=update_id))


@bp.post("/people/<int:link_id>/updates-without-asking")
@client_required
def updates_without_asking(link_id: int):
    now = clock.now()
    link = _own_link(link_id)
    if link.role is not Role.THERAPIST or not ConfirmForm().validate_on_submit():
        abort(400)
    link.updates_without_asking = request.form.get("allow") == "y"
    access.log(current_user, current_user, LogAction.CHANGE, _("Prescriber update"), now,
               detail=_("%(name)s may now prepare updates without asking", name=link.name)
               if link.updates_without_asking else
               _("%(name)s now asks you to approve each update", name=link.name))
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("sharing.updates_list"))


@bp.get("/observations")
@client_required
def observations():
    return render_template("sharing/observations.html", confirm=ConfirmForm(),
                           items=observation_rules.about(db.session, current_user))


@bp.post("/observations/<int:observation_id>")
@client_required
def decide_observation(observation_id: int):
    now = clock.now()
    if not ConfirmForm().validate_on_submit() or \
            request.form.get("answer") not in ("approve", "decline"):
        abort(400)
    approve = request.form["answer"] == "approve"
    observation = observation_rules.decide(db.session, current_user, observation_id, approve,
                                           now)
    if observation is None:
        abort(404)
    access.log(current_user, current_user, LogAction.CHANGE, _("Observations"), now,
               detail=_("You shared %(name)s's observation of %(day)s with your therapists",
                        name=observation.author_name, day=short_date(observation.observed_on))
               if approve else
               _("You kept %(name)s's observation of %(day)s between you",
                 name=observation.author_name, day=short_date(observation.observed_on)))
    db.session.commit()
    flash(_("Shared with your therapists.") if approve else _("Kept between the two of you."),
          "success")
    return redirect(url_for("sharing.observations"))
