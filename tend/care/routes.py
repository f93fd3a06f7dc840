"""Pages for therapists and caregivers: only what clients chose to share with them.

Every page about a client goes through ``access.require`` (404 without an active link, 403
without the grant it needs) and writes one access-log row naming what it showed."""
from flask import (abort, flash, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from models import Category, DoseStatus, LogAction, Role, db
from tend import access, clock, invitation_cookie
from tend.access import supporter_required
from tend.care import bp, pages
from tend.care.forms import CodeForm, ConfirmForm, PeriodForm, UpdateForm
from tend.database import writes_intended
from tend.formatting import clock_in_zone, read_times_in
from tend.labels import CATEGORY_LABELS
from tend.api.validation import form_from_json
from tend.push import subscriptions
from tend.push.keys import identity
from tend.reminder_pages.forms import SubscriptionForm
from tend.services import care_team, caseload, doses, prescriber_updates, shared_record
from tend.services.errors import Conflict, FieldError
from tend.waiting import too_soon, wait_in_words

@bp.route("/", methods=["GET", "POST"])
@supporter_required
def home():
    now = clock.now()
    form = CodeForm()
    if form.validate_on_submit():
        return redirect(url_for("care.invitation", code=care_team.normalize_code(form.code.data)))
    rows = caseload.caseload(db.session, current_user, now)
    access.log_list_views([row.access for row in rows], lambda: pages.page_names()["caseload"],
                          lambda: _("%(name)s saw you in their client list",
                                    name=current_user.display_name), now)
    waiting_code = invitation_cookie.waiting_code()
    waiting = care_team.find_invitation(db.session, waiting_code, now) if waiting_code else None
    devices = subscriptions.subscriptions_of(db.session, current_user) \
        if current_user.role is Role.CAREGIVER else []
    page = render_template("care/home.html", rows=rows, form=form, waiting=waiting,
                           waiting_code=waiting_code,
                           labels=CATEGORY_LABELS, devices=devices, rules=caseload,
                           vapid_public_key=identity().public_key)
    db.session.commit()  # after rendering: committing would expire what the page reads
    return page, 400 if form.errors else 200

@bp.route("/invite/<code>", methods=["GET", "POST"])
def invitation(code: str):
    """Open to anyone holding the code: it names who invited them, nothing more."""
    now = clock.now()
    address = request.remote_addr or ""
    wait = care_team.wait_before_code(db.session, address, now)
    if wait:
        return too_soon(render_template("care/invitation_wait.html", wait=wait_in_words(wait)),
                        wait)
    link = care_team.find_invitation(db.session, code, now)
    if link is None:
        db.session.commit()  # end the read, so that counting starts a writing transaction
        with writes_intended():
            care_team.count_wrong_code(db.session, address, now)
            db.session.commit()
        return render_template("care/invitation_gone.html"), 404
    problem = None
    if current_user.is_authenticated:
        problem = care_team.why_cannot_accept(db.session, link, current_user)
    form = ConfirmForm()
    if current_user.is_authenticated and problem is None and form.validate_on_submit():
        care_team.accept(db.session, link, current_user, now)
        db.session.commit()
        flash(_("You're now connected with %(name)s. You'll see what they choose to share.",
                name=link.client.display_name), "success")
        response = redirect(url_for("care.client", client_id=link.client_id))
        invitation_cookie.forget(response)
        return response
    status = 403 if problem else 200
    response = make_response(render_template("care/invitation.html", link=link, form=form,
                                              problem=problem, code=code), status)
    if not current_user.is_authenticated:
        invitation_cookie.keep(response, care_team.normalize_code(code))
    return response


@bp.get("/clients/<int:client_id>")
@supporter_required
def client(client_id: int):
    now = clock.now()
    grant = access.require(current_user, client_id, now)
    read_times_in(grant.client.timezone)
    context = pages.client_overview(grant, now)
    with access.in_clients_language(grant.client):
        access.log_view(grant, pages.page_names()["client"], now)
    db.session.commit()
    return render_template("care/client.html", **context, labels=CATEGORY_LABELS,
                           confirm=ConfirmForm(), preview=False)


@bp.get("/clients/<int:client_id>/update")
@supporter_required
def prescriber_update(client_id: int):
    now = clock.now()
    grant = access.require(current_user, client_id, now, role=Role.THERAPIST)
    read_times_in(grant.client.timezone)
    form = PeriodForm(request.args)
    if request.args and form.validate():
        period = pages.Period(form.first.data, form.last.data)
    else:
        period = pages.default_update_period(grant, now)
        if not request.args:
            form.first.data, form.last.data = period.first, period.last
    context = pages.prescriber_update(grant, period, now)
    with access.in_clients_language(grant.client):
        access.log_view(grant, pages.page_names()["update"], now)
    db.session.commit()
    return render_template("care/update.html", **context, form=form, labels=CATEGORY_LABELS,
                           now=now, save_form=UpdateForm(formdata=None),
                           versions=prescriber_updates.of_link(db.session, grant.link)), \
        400 if form.errors else 200


@bp.post("/clients/<int:client_id>/doses/<int:planned_dose_id>")
@supporter_required
def log_dose(client_id: int, planned_dose_id: int):
    """A caregiver logs one of today's doses as taken, on the client's behalf."""
    now = clock.now()
    grant = access.require(current_user, client_id, now, Category.MEDICATIONS,
                           role=Role.CAREGIVER)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    read_times_in(grant.client.timezone)
    row = next((r for r in shared_record.today_doses(db.session, grant, now)
                if r.planned.id == planned_dose_id), None)
    if row is None:
        abort(404)
    try:
        logged = doses.record(db.session, grant.client, medication_id=row.planned.medication_id,
                              planned_dose_id=row.planned.id, status=DoseStatus.TAKEN, now=now,
                              logged_by=current_user)
    except (Conflict, FieldError):
        db.session.rollback()
        flash(_("That dose was already logged."), "info")
        return redirect(url_for("care.client", client_id=client_id))
    with access.in_clients_language(grant.client):
        access.log(grant.client, current_user, LogAction.CHANGE, _("Today's doses"), now,
                   [Category.MEDICATIONS],
                   _("Logged %(medication)s (%(time)s) as taken",
                     medication=logged.event.medication.name,
                     time=clock_in_zone(row.planned.due_at, row.planned.timezone,
                                        row.planned.local_time)))
    db.session.commit()
    flash(_("Logged %(medication)s as taken for %(name)s.",
            medication=logged.event.medication.name, name=grant.client.display_name),
          "success")
    return redirect(url_for("care.client", client_id=client_id))


@bp.post("/devices")
@supporter_required
def subscribe_device():
    """A caregiver's phone, for alerts about the people they support (from reminders.js)."""
    if current_user.role is not Role.CAREGIVER:
        abort(403)
    form, error = form_from_json(SubscriptionForm)
    if error:
        return error
    sub = subscriptions.save(db.session, current_user, endpoint=form.endpoint.data,
                             p256dh=form.p256dh.data, auth=form.auth.data,
                             label=form.label.data or "", user_agent=request.user_agent.string,
                             session_id=current_user.current_session.id, now=clock.now())
    db.session.commit()
    return jsonify(id=sub.id), 201


from tend.care import note_routes, reminder_routes, update_routes  # noqa: E402,F401
