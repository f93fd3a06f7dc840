"""Binds Flask-Login to the server-side sessions in the database."""
from datetime import timedelta

from flask import current_app, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError

from models import db
from tend import clock
from tend.extensions import login_manager
from tend.services import accounts, throttle


def session_limits() -> accounts.SessionLimits:
    config = current_app.config
    return accounts.SessionLimits(config["TEND_SESSION_IDLE"], config["TEND_SESSION_ABSOLUTE"],
                                  config["TEND_REMEMBERED_IDLE"],
                                  config["TEND_REMEMBERED_ABSOLUTE"])


def sign_in_rules() -> accounts.SignInRules:
    config = current_app.config
    return accounts.SignInRules(
        pair=throttle.Rule("pair", config["TEND_LOGIN_FREE_FAILURES_PAIR"],
                           timedelta(seconds=30), config["TEND_LOGIN_LONGEST_WAIT_PAIR"]),
        address=throttle.Rule("address", config["TEND_LOGIN_FREE_FAILURES_ADDRESS"],
                              timedelta(seconds=1), config["TEND_LOGIN_LONGEST_WAIT_ADDRESS"]))


@login_manager.user_loader
def load_user(token: str):
    now = clock.now()
    record = accounts.load_session(db.session, token, now, session_limits())
    if record is None:
        return None
    if accounts.session_needs_touch(record, now):
        _touch(record, now)
    return record.user


def _touch(record, now) -> None:
    """Record activity for the idle time-out. Best effort: a busy database only delays it."""
    record.last_seen_at = now
    try:
        db.session.commit()
    except OperationalError:
        db.session.rollback()


@login_manager.unauthorized_handler
def unauthorized():
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return jsonify(error="unauthorized", message=str(_l("Please sign in."))), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # server-side sessions already bind the device
