"""Sign up, sign in, sign out, and the account page (profile, password, devices)."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from models import Role, UserSession, db
from tend import clock
from tend.access import home_url
from tend.auth import bp
from tend.auth.forms import (ChangePasswordForm, LoginForm, ProfileForm, SignupForm, ThemeForm,
                             profile_values)
from tend.formatting import when_in_zone
from tend.push import subscriptions
from tend.reminders import planner
from tend.services import accounts, lookup
from tend.sessions import session_limits, throttle_limits


def _safe_next(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _sign_in(user, remember: bool):
    record = accounts.start_session(db.session, user, remember=remember,
                                    user_agent=request.user_agent.string, now=clock.now())
    db.session.commit()
    session.clear()
    session.permanent = remember
    login_user(user)
    return record


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = SignupForm()
    if form.validate_on_submit():
        user = accounts.create_user(
            db.session, email=form.email.data, display_name=form.display_name.data,
            role=Role(form.role.data), timezone=form.timezone.data,
            password=form.password.data, now=clock.now())
        _sign_in(user, remember=False)
        flash(_("Welcome to Tend, %(name)s.", name=user.display_name), "success")
        return redirect(home_url(user))
    return render_template("auth/signup.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        now = clock.now()
        result = accounts.authenticate(db.session, form.email.data, form.password.data,
                                       request.remote_addr or "", now, throttle_limits())
        db.session.commit()
        if result.user:
            _sign_in(result.user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or home_url(result.user))
        if result.locked_until:
            error = _("Too many attempts to sign in. For your safety, please wait until "
                      "%(time)s and try again.", time=when_in_zone(result.locked_until))
            status = 429
        else:
            error = _("That e-mail and password don't match an account. Please try again.")
            status = 401
    elif form.errors:
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


def _end_device(record: UserSession) -> None:
    """End a signed-in device on the server. Its push subscription goes too: a signed-out
    phone gets no reminders, and on this browser Clear-Site-Data unregisters the worker."""
    subscriptions.forget_for_session(db.session, record.id)
    accounts.end_session(record, clock.now())
    db.session.commit()


def _signed_out_here():
    """Clear-Site-Data wipes this phone's offline copy. When the person chose to keep their
    unsent entries for their next sign-in (``keep_unsent``, sent only by static/js/pwa.js once
    it has wiped everything else and left those entries encrypted), storage is spared: what
    stays can only be read once the same account signs in again."""
    keep_unsent = request.form.get("keep_unsent") == "1"
    logout_user()
    session.clear()
    flash(_("You've signed out."), "info")
    response = redirect(url_for("auth.login", signed_out=1))
    response.headers["Clear-Site-Data"] = '"cache"' if keep_unsent else '"cache", "storage"'
    return response


@bp.post("/logout")
def logout():
    if current_user.is_authenticated and current_user.current_session:
        _end_device(current_user.current_session)
    return _signed_out_here()


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(data=profile_values(current_user))
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        planner.set_timezone(db.session, current_user, form.timezone.data, clock.now(),
                             keep_home_times=form.keeps_home_times)
        db.session.commit()
        flash(_("Your details are saved."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(form, ThemeForm(data={"theme": current_user.theme}))


@bp.post("/account/theme")
@login_required
def theme():
    """Light, dark, or as the device is set: the page's <html> carries the choice, so it
    applies before the first paint (templates/base.html, static/css/app.css)."""
    form = ThemeForm()
    if form.validate_on_submit():
        current_user.theme = form.theme.data
        db.session.commit()
        flash(_("How Tend looks is saved."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(ProfileForm(data=profile_values(current_user)), form)


def _account_page(form: ProfileForm, theme_form: ThemeForm):
    devices = accounts.active_sessions(db.session, current_user, clock.now(), session_limits())
    return render_template("auth/account.html", form=form, theme_form=theme_form,
                           devices=devices, this_session=current_user.current_session), \
        400 if form.errors or theme_form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not accounts.password_matches(current_user, form.current_password.data):
            form.current_password.errors.append(_("That isn't your current password."))
        else:
            user, remember = current_user._get_current_object(), current_user.current_session.remember
            accounts.set_password(db.session, user, form.new_password.data, clock.now())
            _sign_in(user, remember=remember)
            flash(_("Your password is changed. Every other device has been signed out."),
                  "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.post("/account/devices/<int:session_id>/end")
@login_required
def end_device(session_id: int):
    record = lookup.owned(db.session, UserSession, current_user.id, session_id, "user_id")
    if record is None:
        abort(404)
    this_device = record.id == current_user.current_session.id
    _end_device(record)
    if this_device:
        return _signed_out_here()
    flash(_("That device is signed out."), "success")
    return redirect(url_for("auth.account"))




from tend.auth import zone_routes  # noqa: E402,F401
