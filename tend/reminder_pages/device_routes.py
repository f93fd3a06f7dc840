"""This browser's reminders, kept working without a tap: every app open asks whether the
server still holds this browser's subscription and subscribes again silently when it should
(static/js/pwa.js); the service worker reports a subscription the browser replaced
(``pushsubscriptionchange`` in pwa/sw-push.js), with no page open and no session."""
from flask import jsonify, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from models import db
from tend import clock
from tend.access import client_required
from tend.api.validation import form_from_json
from tend.extensions import csrf
from tend.forms import Form
from tend.push import subscriptions
from tend.push.keys import identity
from tend.reminder_pages import bp
from tend.reminders import planner
from tend.reminder_pages.forms import SubscriptionForm


class CheckForm(Form):
    endpoint = StringField(validators=[Optional(), Length(max=2048)])


class RenewForm(SubscriptionForm):
    """A new subscription from this browser, and the one it replaces (if it had one)."""

    replaces = StringField(validators=[Optional(), Length(max=2048)])


class ChangeForm(SubscriptionForm):
    """From the service worker: the new subscription, proved by the old one's secret."""

    old_endpoint = StringField(validators=[DataRequired(), Length(max=2048)])
    old_auth = StringField(validators=[DataRequired(), Length(max=100)])


def _this_session_id() -> int | None:
    record = current_user.current_session
    return record.id if record else None


@bp.post("/this-device")
@client_required
def this_device():
    """{"endpoint": the browser's subscription or null} -> what to do (see
    ``subscriptions.this_device``), with what a new subscription needs."""
    form, error = form_from_json(CheckForm)
    if error:
        return error
    state = subscriptions.this_device(db.session, current_user, form.endpoint.data or None,
                                      _this_session_id(), request.user_agent.string)
    db.session.commit()
    return jsonify(state=state, vapid_key=identity().public_key,
                   renew_url=url_for("reminders.renew_this_device"))


@bp.post("/this-device/subscription")
@client_required
def renew_this_device():
    form, error = form_from_json(RenewForm)
    if error:
        return error
    now = clock.now()
    sub = subscriptions.save(db.session, current_user, endpoint=form.endpoint.data,
                             p256dh=form.p256dh.data, auth=form.auth.data,
                             user_agent=request.user_agent.string,
                             session_id=_this_session_id(), now=now)
    replaced = form.replaces.data
    if replaced and replaced != sub.endpoint:
        for old in subscriptions.subscriptions_of(db.session, current_user):
            if old.endpoint == replaced:
                subscriptions.forget(db.session, old)
    planner.plan_for_client(db.session, current_user, None, now, planner.ON_CHANGE_HORIZON)
    db.session.commit()
    return jsonify(id=sub.id), 201


@bp.post("/subscriptions/change")
@csrf.exempt
def subscription_changed():
    """No session and no CSRF token (a worker event may come long after sign-in, with no
    page open): the old subscription's auth secret is the authority, as only that browser
    and this server know it."""
    form, error = form_from_json(ChangeForm)
    if error:
        return error
    sub = subscriptions.replace_by_worker(
        db.session, old_endpoint=form.old_endpoint.data, old_auth=form.old_auth.data,
        endpoint=form.endpoint.data, p256dh=form.p256dh.data, auth=form.auth.data)
    if sub is None:
        db.session.rollback()
        return jsonify(error="unknown", message="No such subscription."), 404
    db.session.commit()
    return jsonify(ok=True)


@bp.app_template_global()
def push_public_key() -> str:
    return identity().public_key
