"""A caregiver with the client's "help with reminders" grant adjusts their reminders: quiet
hours and repeats, the daily check-in reminder and (with the medications grant too) which
medications are reminded. Each look at the page and each change is written to the client's
access log."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Category, LogAction, Role, db
from tend import access, clock
from tend.access import supporter_required
from tend.care import bp, pages
from tend.services import shared_record
from tend.formatting import clock_time
from tend.reminders import preferences
from tend.reminders.choices import checkin_rule_of, settings_of
from tend.reminder_pages.forms import (CheckinReminderForm, SettingsForm, medication_form,
                                       saved_checkin_form)


def _reminders_access(client_id: int):
    now = clock.now()
    return now, access.require(current_user, client_id, now, Category.MANAGE_REMINDERS,
                               role=Role.CAREGIVER)


def _page_name() -> str:
    return pages.page_names()["reminders"]


def _reminded_medications(grant, now):
    """The medications whose reminders the caregiver may set: naming one needs the
    medications grant too (``shared_record.medication_names``)."""
    named = shared_record.medication_names(db.session, grant)
    return [med for med in preferences.scheduled_medications(db.session, grant.client, now)
            if med.id in named]


def _reminders_page(grant, now, form=None, checkin_form=None, status=200):
    """The caregiver's reminders page, written to the access log as one look. A form posted
    with an error comes back as sent; the others show what is saved (``formdata=None``: not
    this request's form)."""
    client, session = grant.client, db.session
    meds = _reminded_medications(grant, now)
    if form is None:
        form = SettingsForm(formdata=None, obj=settings_of(session, client.id))
    if checkin_form is None:
        checkin_form = saved_checkin_form(checkin_rule_of(session, client.id))
    checkin_form.checkin_enabled.label.text = _("Remind %(name)s to check in",
                                                name=client.display_name)
    checkin_form.checkin_time.description = _(
        "%(name)s's time (%(zone)s).", name=client.display_name,
        zone=client.timezone.replace("_", " "))
    shown = [Category.MEDICATIONS, Category.MANAGE_REMINDERS] if meds \
        else [Category.MANAGE_REMINDERS]
    with access.in_clients_language(client):
        access.log_view(grant, _page_name(), now, shown)
    session.commit()
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
    settings = settings_of(session, client.id)
    form = SettingsForm(obj=settings)
    if form.validate_on_submit():
        preferences.save_settings(
            session, client, show_names=settings.show_names, quiet_start=form.quiet_start.data,
            quiet_end=form.quiet_end.data, repeat_delay_minutes=form.repeat_delay_minutes.data,
            refill_days=form.refill_days.data, now=now)
        quiet = _("quiet %(start)s to %(end)s", start=clock_time(form.quiet_start.data),
                  end=clock_time(form.quiet_end.data)) \
            if form.quiet_start.data else _("no quiet hours")
        with access.in_clients_language(client):
            access.log(client, current_user, LogAction.CHANGE, _page_name(), now,
                       [Category.MANAGE_REMINDERS],
                       _("Changed your reminder settings: %(what)s", what=quiet))
        session.commit()
        flash(_("Saved. %(name)s can see this change.", name=client.display_name), "success")
        return redirect(url_for("care.reminders", client_id=client_id))
    return _reminders_page(grant, now, form=form, status=400 if form.errors else 200)


@bp.post("/clients/<int:client_id>/reminders/checkin")
@supporter_required
def reminder_checkin(client_id: int):
    now, grant = _reminders_access(client_id)
    client = grant.client
    form = CheckinReminderForm()
    if not form.validate():
        return _reminders_page(grant, now, checkin_form=form, status=400)
    enabled, at = form.checkin_enabled.data, form.checkin_time.data
    preferences.save_checkin_reminder(db.session, client, enabled=enabled, local_time=at,
                                      now=now)
    with access.in_clients_language(client):
        access.log(client, current_user, LogAction.CHANGE, _page_name(), now,
                   [Category.MANAGE_REMINDERS],
                   _("Set your daily check-in reminder to %(time)s",
                     time=clock_time(at)) if enabled else
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
    meds = _reminded_medications(grant, now)
    form = medication_form(meds, formdata=request.form,
                           rules=preferences.rules_for(session, meds))
    if not form.validate():
        abort(400)
    choices = {med.id: (form[f"remind_{med.id}"].data, form[f"repeat_{med.id}"].data)
               for med in meds}
    preferences.save_medication_rules(session, client, choices, now)
    off = [med.name for med in meds if not choices[med.id][0]]
    with access.in_clients_language(client):
        access.log(client, current_user, LogAction.CHANGE, _page_name(), now,
                   [Category.MANAGE_REMINDERS],
                   _("Changed which medications are reminded; off: %(names)s",
                     names=", ".join(off)) if off else
                   _("Changed which medications are reminded; all on"))
    session.commit()
    flash(_("Saved. %(name)s can see this change.", name=client.display_name), "success")
    return redirect(url_for("care.reminders", client_id=client_id))
