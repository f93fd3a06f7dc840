"""Pages for therapists and caregivers: only what clients chose to share with them.

Every page about a client goes through ``access.require`` (404 without an active link, 403
without the grant it needs) and writes one access-log row naming what it showed."""
from flask import (abort, flash, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import format_time, gettext as _
from flask_login import current_user

from models import Category, DoseStatus, LogAction, Role, db
from tend import access, clock
from tend.access import supporter_required
from tend.care import bp, pages
from tend.care.forms import CodeForm, ConfirmForm, EditNoteForm, NoteForm, PeriodForm
from tend.api.validation import form_from_json
from tend.push import subscriptions
from tend.push.keys import identity
from tend.reminders import planner, preferences
from tend.reminders.forms import (CheckinReminderForm, SettingsForm, SubscriptionForm,
                                  medication_form)
from tend.services import doses
from tend.services.errors import Conflict, FieldError
from tend.sharing import links
from tend.sharing.labels import CATEGORY_LABELS

INVITE_COOKIE = "tend_invite"


@bp.route("/", methods=["GET", "POST"])
@supporter_required
def home():
    now = clock.now()
    form = CodeForm()
    if form.validate_on_submit():
        return redirect(url_for("care.invitation", code=links.normalize_code(form.code.data)))
    rows = pages.caseload(current_user, now)
    for row in rows:
        with access.in_clients_language(row["client"]):
            access.log_view(row["access"], pages.page_names()["caseload"], now)
    db.session.commit()
    waiting = links.find_invitation(db.session, request.cookies.get(INVITE_COOKIE, ""), now)
    devices = subscriptions.subscriptions_of(db.session, current_user) \
        if current_user.role is Role.CAREGIVER else []
    return render_template("care/home.html", rows=rows, form=form, waiting=waiting,
                           labels=CATEGORY_LABELS, devices=devices,
                           vapid_public_key=identity().public_key), 400 if form.errors else 200


@bp.route("/invite/<code>", methods=["GET", "POST"])
def invitation(code: str):
    """Open to anyone holding the code: it names who invited them, nothing more."""
    now = clock.now()
    link = links.find_invitation(db.session, code, now)
    if link is None:
        return render_template("care/invitation_gone.html"), 404
    problem = None
    if current_user.is_authenticated:
        problem = links.why_cannot_accept(db.session, link, current_user)
    form = ConfirmForm()
    if current_user.is_authenticated and problem is None and form.validate_on_submit():
        links.accept(db.session, link, current_user, now)
        db.session.commit()
        flash(_("You're now connected with %(name)s. You'll see what they choose to share.",
                name=link.client.display_name), "success")
        response = redirect(url_for("care.client", client_id=link.client_id))
        response.delete_cookie(INVITE_COOKIE, path="/care")
        return response
    status = 403 if problem else 200
    response = make_response(render_template("care/invitation.html", link=link, form=form,
                                              problem=problem, code=code), status)
    if not current_user.is_authenticated:
        # Survives signing up (which starts a new session), so the invitation waits at home.
        response.set_cookie(INVITE_COOKIE, links.normalize_code(code), max_age=3600,
                            path="/care", httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


@bp.get("/clients/<int:client_id>")
@supporter_required
def client(client_id: int):
    now = clock.now()
    grant = access.require(current_user, client_id, now)
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
                           now=now), 400 if form.errors else 200


@bp.route("/clients/<int:client_id>/notes", methods=["GET", "POST"])
@supporter_required
def notes(client_id: int):
    """Session notes: the therapist's own writing, which the client can always read."""
    now = clock.now()
    grant = access.require(current_user, client_id, now, role=Role.THERAPIST)
    form = NoteForm()
    if form.validate_on_submit():
        links.add_note(db.session, current_user, grant.client, form.text.data, now)
        db.session.commit()
        flash(_("Note saved. %(name)s can read it too.", name=grant.client.display_name),
              "success")
        return redirect(url_for("care.notes", client_id=client_id))
    return render_template("care/notes.html", access=grant, form=form,
                           notes=links.notes_about(db.session, grant.client, current_user)), \
        400 if form.errors else 200


def _own_note(client_id: int, note_id: int):
    now = clock.now()
    grant = access.require(current_user, client_id, now, role=Role.THERAPIST)
    note = links.note_of(db.session, current_user, grant.client, note_id)
    if note is None:
        abort(404)
    return now, grant, note


@bp.route("/clients/<int:client_id>/notes/<int:note_id>", methods=["GET", "POST"])
@supporter_required
def note_edit(client_id: int, note_id: int):
    now, grant, note = _own_note(client_id, note_id)
    form = EditNoteForm(obj=note)
    if form.validate_on_submit():
        links.edit_note(note, form.text.data, now)
        db.session.commit()
        flash(_("Note saved. %(name)s can read it too.", name=grant.client.display_name),
              "success")
        return redirect(url_for("care.notes", client_id=client_id))
    return render_template("care/note_edit.html", access=grant, form=form, note=note,
                           remove_form=ConfirmForm()), 400 if form.errors else 200


@bp.post("/clients/<int:client_id>/notes/<int:note_id>/remove")
@supporter_required
def note_remove(client_id: int, note_id: int):
    now, grant, note = _own_note(client_id, note_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    links.remove_note(db.session, note, current_user, grant.client, now)
    db.session.commit()
    flash(_("Note removed. %(name)s's access log says that a note was removed.",
            name=grant.client.display_name), "success")
    return redirect(url_for("care.notes", client_id=client_id))


@bp.post("/clients/<int:client_id>/doses/<int:planned_dose_id>")
@supporter_required
def log_dose(client_id: int, planned_dose_id: int):
    """A caregiver logs one of today's doses as taken, on the client's behalf."""
    now = clock.now()
    grant = access.require(current_user, client_id, now, Category.MEDICATIONS,
                           role=Role.CAREGIVER)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = next((r for r in pages.record.today_doses(db.session, grant, now)
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
                     time=format_time(row.planned.local_time, "short")))
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


def _reminders_access(client_id: int):
    now = clock.now()
    return now, access.require(current_user, client_id, now, Category.MANAGE_REMINDERS,
                               role=Role.CAREGIVER)


def _reminders_page(grant, form=None, checkin_form=None, status=200):
    """The caregiver's reminders page. A form posted with an error comes back as sent; the
    others show what is saved (``formdata=None``: not this request's form)."""
    client, session = grant.client, db.session
    # Naming medications needs the medications grant too.
    meds = preferences.scheduled_medications(session, client) \
        if grant.has(Category.MEDICATIONS) else []
    if form is None:
        form = SettingsForm(formdata=None, obj=planner.settings_of(session, client.id))
    if checkin_form is None:
        rule = planner.checkin_rule_of(session, client.id)
        checkin_form = CheckinReminderForm(formdata=None, checkin_enabled=rule.enabled,
                                           checkin_time=rule.local_time)
    checkin_form.checkin_enabled.label.text = _("Remind %(name)s to check in",
                                                name=client.display_name)
    checkin_form.checkin_time.description = _(
        "%(name)s's time (%(zone)s).", name=client.display_name,
        zone=client.timezone.replace("_", " "))
    return render_template(
        "care/reminders.html", access=grant, form=form, checkin_form=checkin_form,
        meds_form=medication_form(meds, rules=preferences.rules_for(session, meds)),
        meds=meds), status


@bp.route("/clients/<int:client_id>/reminders", methods=["GET", "POST"])
@supporter_required
def reminders(client_id: int):
    """With the "help with reminders" grant, a caregiver sets the client's quiet hours,
    repeat and check-in reminder; whether names show on the lock screen stays the client's
    own choice."""
    now, grant = _reminders_access(client_id)
    client, session = grant.client, db.session
    settings = planner.settings_of(session, client.id)
    form = SettingsForm(obj=settings)
    if form.validate_on_submit():
        preferences.save_settings(
            session, client, show_names=settings.show_names, quiet_start=form.quiet_start.data,
            quiet_end=form.quiet_end.data, repeat_delay_minutes=form.repeat_delay_minutes.data,
            refill_days=form.refill_days.data, now=now)
        quiet = _("quiet %(start)s to %(end)s", start=format_time(form.quiet_start.data, "short"),
                  end=format_time(form.quiet_end.data, "short")) \
            if form.quiet_start.data else _("no quiet hours")
        with access.in_clients_language(client):
            access.log(client, current_user, LogAction.CHANGE, _("Reminders"), now,
                       [Category.MANAGE_REMINDERS],
                       _("Changed your reminder settings: %(what)s", what=quiet))
        session.commit()
        flash(_("Saved. %(name)s can see this change.", name=client.display_name), "success")
        return redirect(url_for("care.reminders", client_id=client_id))
    return _reminders_page(grant, form=form, status=400 if form.errors else 200)


@bp.post("/clients/<int:client_id>/reminders/checkin")
@supporter_required
def reminder_checkin(client_id: int):
    now, grant = _reminders_access(client_id)
    client = grant.client
    form = CheckinReminderForm()
    if not form.validate():
        return _reminders_page(grant, checkin_form=form, status=400)
    enabled, at = form.checkin_enabled.data, form.checkin_time.data
    preferences.save_checkin_reminder(db.session, client, enabled=enabled, local_time=at,
                                      now=now)
    with access.in_clients_language(client):
        access.log(client, current_user, LogAction.CHANGE, _("Reminders"), now,
                   [Category.MANAGE_REMINDERS],
                   _("Set your daily check-in reminder to %(time)s",
                     time=format_time(at, "short")) if enabled else
                   _("Turned your daily check-in reminder off"))
    db.session.commit()
    flash(_("Saved. %(name)s can see this change.", name=client.display_name), "success")
    return redirect(url_for("care.reminders", client_id=client_id))


@bp.post("/clients/<int:client_id>/reminders/medications")
@supporter_required
def reminder_medications(client_id: int):
    now, grant = _reminders_access(client_id)
    grant.require(Category.MEDICATIONS)
    client, session = grant.client, db.session
    meds = preferences.scheduled_medications(session, client)
    form = medication_form(meds, formdata=request.form,
                           rules=preferences.rules_for(session, meds))
    if not form.validate():
        abort(400)
    choices = {med.id: (form[f"remind_{med.id}"].data, form[f"repeat_{med.id}"].data)
               for med in meds}
    preferences.save_medication_rules(session, client, choices, now)
    off = [med.name for med in meds if not choices[med.id][0]]
    with access.in_clients_language(client):
        access.log(client, current_user, LogAction.CHANGE, _("Reminders"), now,
                   [Category.MANAGE_REMINDERS],
                   _("Changed which medications are reminded; off: %(names)s",
                     names=", ".join(off)) if off else
                   _("Changed which medications are reminded; all on"))
    session.commit()
    flash(_("Saved. %(name)s can see this change.", name=client.display_name), "success")
    return redirect(url_for("care.reminders", client_id=client_id))
