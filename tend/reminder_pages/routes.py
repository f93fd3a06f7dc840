"""Reminder settings, this client's devices, and the endpoint notification buttons call."""
from flask import (abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from models import Reminder, ReminderStatus, db
from tend import clock
from tend.access import client_required
from tend.api.validation import form_from_json
from tend.extensions import csrf
from tend.formatting import clock_time
from tend.push import subscriptions
from tend.reminder_pages import bp
from tend.reminders import actions, planner, preferences, tokens
from tend.reminders.choices import checkin_rule_of, in_quiet_hours, settings_of
from tend.reminders.dispatcher import Dispatcher
from tend.reminder_pages.forms import SubscriptionForm, reminder_settings_form
from tend.reminders.kinds import test as test_kind
from tend.services import care_team


def _this_session_id() -> int | None:
    record = current_user.current_session
    return record.id if record else None


def _page(form=None, status=200):
    """The settings page: the devices and their health, then every setting in one form. A
    form posted with an error comes back as it was sent, with each message at its field."""
    now = clock.now()
    meds = preferences.scheduled_medications(db.session, current_user, now)
    caregivers = care_team.caregiver_links(db.session, current_user)
    settings = settings_of(db.session, current_user.id)
    if form is None:
        form = _settings_form(meds, caregivers)
    form.checkin_time.description = _("Your time (%(zone)s).",
                                      zone=current_user.timezone.replace("_", " "))
    return render_template(
        "reminders/settings.html", form=form, medications=meds, caregivers=caregivers,
        checkin_in_quiet_hours=form.checkin_enabled.data
        and form.checkin_time.data is not None
        and in_quiet_hours(settings, form.checkin_time.data),
        devices=subscriptions.subscriptions_of(db.session, current_user),
        lapsed=subscriptions.lapsed_devices(db.session, current_user),
        this_session_id=_this_session_id(),
        is_failing=subscriptions.is_failing), status


def _settings_form(meds, caregivers, formdata=None):
    return reminder_settings_form(
        meds, caregivers, settings=settings_of(db.session, current_user.id),
        checkin_rule=checkin_rule_of(db.session, current_user.id),
        rules=preferences.rules_for(db.session, meds),
        alert_settings={link.id: care_team.shown_alert_settings(db.session, link)
                        for link in caregivers},
        formdata=formdata)


@bp.get("")
@client_required
def settings():
    return _page()


@bp.post("")
@client_required
def save_settings():
    """Every reminder setting in one submit: all saved in one transaction, or none."""
    now = clock.now()
    meds = preferences.scheduled_medications(db.session, current_user, now)
    caregivers = care_team.caregiver_links(db.session, current_user)
    form = _settings_form(meds, caregivers, formdata=request.form)
    if not form.validate():
        return _page(form=form, status=400)
    checkin_before = checkin_rule_of(db.session, current_user.id)
    checkin_before = (checkin_before.enabled, checkin_before.local_time)
    for link in caregivers:
        care_team.save_alerts(db.session, link, delay_minutes=form[f"alert_delay_{link.id}"].data,
                          paused=form[f"alert_paused_{link.id}"].data, now=now)
    preferences.save_all(
        db.session, current_user, show_names=form.show_names.data,
        quiet_start=form.quiet_start.data, quiet_end=form.quiet_end.data,
        repeat_delay_minutes=form.repeat_delay_minutes.data, refill_days=form.refill_days.data,
        checkin_enabled=form.checkin_enabled.data, checkin_time=form.checkin_time.data,
        medication_choices={med.id: (form[f"remind_{med.id}"].data,
                                     form[f"repeat_{med.id}"].data) for med in meds},
        now=now)
    db.session.commit()
    flash(_("Your reminder settings are saved."), "success")
    if checkin_before != (form.checkin_enabled.data, form.checkin_time.data):
        if form.checkin_enabled.data:
            flash(_("You'll get a check-in reminder at %(time)s on days you haven't checked "
                    "in.", time=clock_time(form.checkin_time.data)), "success")
        else:
            flash(_("The check-in reminder is off."), "success")
    return redirect(url_for("reminders.settings"))


@bp.get("/history")
@client_required
def history():
    rows = preferences.needing_attention(db.session, current_user, clock.now())
    return render_template("reminders/history.html", reminders=rows, Status=ReminderStatus)


# --- Devices ------------------------------------------------------------------------------

@bp.post("/subscriptions")
@client_required
def subscribe():
    """JSON from reminders.js after ``pushManager.subscribe()``: store this device."""
    form, error = form_from_json(SubscriptionForm)
    if error:
        return error
    sub = subscriptions.save(db.session, current_user, endpoint=form.endpoint.data,
                             p256dh=form.p256dh.data, auth=form.auth.data,
                             label=form.label.data or "", user_agent=request.user_agent.string,
                             session_id=_this_session_id(), now=clock.now())
    planner.plan_for_client(db.session, current_user, None, clock.now())
    db.session.commit()
    return jsonify(id=sub.id), 201


def _own_subscription(subscription_id: int):
    sub = subscriptions.subscription_of(db.session, current_user, subscription_id)
    if sub is None:
        abort(404)
    return sub


@bp.delete("/subscriptions/<int:subscription_id>")
@client_required
def unsubscribe(subscription_id: int):
    subscriptions.forget(db.session, _own_subscription(subscription_id))
    db.session.commit()
    return "", 204


@bp.post("/devices/<int:subscription_id>/remove")
@client_required
def remove_device(subscription_id: int):
    subscriptions.forget(db.session, _own_subscription(subscription_id))
    db.session.commit()
    flash(_("That device will get no more reminders."), "success")
    return redirect(url_for("reminders.settings"))


@bp.post("/devices/<int:subscription_id>/test")
@client_required
def test_device(subscription_id: int):
    """Send a test notification now, through the same outbox and sender as reminders, and
    say what the push service answered."""
    sub = _own_subscription(subscription_id)
    now = clock.now()
    reminder = test_kind.plan(db.session, current_user, sub, now)
    db.session.commit()
    dispatcher = Dispatcher(current_app._get_current_object(), pool_size=1, now=clock.now)
    dispatcher.send_now(reminder.id)
    dispatcher.close()
    reminder = db.session.get(Reminder, reminder.id)
    if reminder.status == ReminderStatus.SENT:
        flash(_("Test notification sent. If it doesn't appear within a minute, check that "
                "notifications for Tend are allowed in your phone's settings."), "success")
    else:
        # No detail of the network failure: whether a host refused, reset or timed out is
        # what a port scan wants to learn.
        flash(_("The test notification could not reach the push service. Try removing this "
                "device and turning reminders on again."), "error")
    return redirect(url_for("reminders.settings"))


# --- Notification buttons -----------------------------------------------------------------

@bp.post("/act")
@csrf.exempt
def act():
    """Called by the service worker when "Taken" or "Snooze" is tapped. No session and no CSRF
    token: the signed single-use token authorises exactly one action on one dose."""
    payload = request.get_json(silent=True) or {}
    token = payload.get("token") if isinstance(payload, dict) else None
    now = clock.now()
    try:
        if not isinstance(token, str):
            raise tokens.InvalidToken("invalid")
        claim = tokens.read(current_app.config["SECRET_KEY"], token, now)
        confirmation = actions.perform(db.session, claim, now)
    except tokens.InvalidToken as problem:
        db.session.rollback()
        status = 400 if problem.reason == "invalid" else 410
        return jsonify(error=problem.reason, title="Tend", body=_(
            "This reminder can no longer be used. Open Tend to see your doses.")), status
    db.session.commit()
    return jsonify(ok=True, title="Tend", body=confirmation.body, tag=confirmation.tag)


@bp.app_template_global()
def reminder_health() -> subscriptions.ReminderHealth | None:
    """For the Today page: whether reminders reach this client's devices."""
    if not (current_user.is_authenticated and current_user.is_client):
        return None
    return subscriptions.reminder_health(db.session, current_user)
