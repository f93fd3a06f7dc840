"""Sign in, sign out, and the account page (profile, password, devices). Sign-up is in
signup_routes.py."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from models import Role, UserSession, db
from tend import clock
from tend.access import home_url
from tend.auth import bp
from tend.auth.forms import (ChangePasswordForm, LanguageForm, LoginForm, ProfileForm, ThemeForm,
                             profile_values)
from tend.i18n import locale_of
from tend.push import subscriptions
from tend.services import accounts, lookup
from tend.sessions import session_limits, sign_in_rules
from tend.urls import requested_next
from tend.waiting import too_soon, wait_in_words


def sign_in(user, remember: bool):
    record = accounts.start_session(db.session, user, remember=remember,
                                    user_agent=request.user_agent.string, now=clock.now())
    db.session.commit()
    session.clear()
    session.permanent = remember
    login_user(user)
    return record


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if form.errors else 200
    result = accounts.authenticate(db.session, form.email.data, form.password.data,
                                   request.remote_addr or "", clock.now(), sign_in_rules())
    db.session.commit()
    if result.user:
        sign_in(result.user, remember=form.remember.data)
        return redirect(requested_next() or home_url(result.user))
    if result.wait:
        error = _("There have been several attempts to sign in. For your safety, please wait "
                  "%(wait)s before you try again. If you've forgotten your password, you can "
                  "reset it.", wait=wait_in_words(result.wait))
        return too_soon(render_template("auth/login.html", form=form, error=error), result.wait)
    error = _("That e-mail and password don't match an account. Please try again.")
    return render_template("auth/login.html", form=form, error=error), 401


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
        form.save_to(current_user, clock.now())
        db.session.commit()
        flash(_("Your details are saved."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(form)


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
    return _account_page(theme_form=form)


@bp.post("/account/language")
@login_required
def language():
    """The account's language: its pages, its e-mails and the reminders to each of its
    devices (tend/reminders/messages.py writes them with locale_of)."""
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        db.session.commit()
        with force_locale(current_user.locale):
            flash(_("Tend is now in this language."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(language_form=form)


def _account_page(form: ProfileForm | None = None, theme_form: ThemeForm | None = None,
                  language_form: LanguageForm | None = None):
    """The account page; the one form that was sent (and refused) keeps its answers."""
    form = form or ProfileForm(data=profile_values(current_user))
    theme_form = theme_form or ThemeForm(data={"theme": current_user.theme})
    language_form = language_form or LanguageForm(data={"locale": locale_of(current_user)})
    devices = accounts.active_sessions(db.session, current_user, clock.now(), session_limits())
    return render_template("auth/account.html", form=form, theme_form=theme_form,
                           language_form=language_form, devices=devices,
                           this_session=current_user.current_session), \
        400 if form.errors or theme_form.errors or language_form.errors else 200


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
            sign_in(user, remember=remember)
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




from tend.auth import signup_routes, zone_routes  # noqa: E402,F401
