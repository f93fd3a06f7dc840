"""Sign-up, confirmed by e-mail.

The page answers the same, in the same time, whether or not the address has an account: both
hash the password and count the attempt, then show "check your e-mail". Looking the address up
and mailing happen after the answer (tend/deferred.py): a new address gets a link that makes
the account, an address with an account gets a note to its owner instead."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user

from models import Role, db
from tend import clock, deferred, invitation_cookie, mail
from tend.access import home_url
from tend.auth import bp
from tend.auth.forms import SignupForm
from tend.auth.routes import sign_in
from tend.forms import Form
from tend.i18n import locale_of
from tend.services import accounts, care_team, signups
from tend.waiting import too_soon, wait_in_words


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = SignupForm()
    code = invitation_cookie.waiting_code()  # set only by opening a valid invitation
    if request.method == "GET" and code:
        # Coming from an invitation: the role it is for is already chosen (it can be changed)
        invitation = care_team.find_invitation(db.session, code, clock.now())
        if invitation is not None:
            form.role.data = invitation.role.value
    if not form.validate_on_submit():
        return render_template("auth/signup.html", form=form), 400 if form.errors else 200
    wait = signups.admit(db.session, request.remote_addr or "", clock.now())
    db.session.commit()
    if wait:
        error = _("Several accounts were asked for from here. Please wait %(wait)s before you "
                  "try again.", wait=wait_in_words(wait))
        return too_soon(render_template("auth/signup.html", form=form, error=error), wait)
    language = form.locale.data
    deferred.later(_ask_for_account, form.email.data, form.display_name.data,
                   Role(form.role.data), form.timezone.data, language,
                   accounts.hash_password(form.password.data), clock.now(), locale=language)
    with force_locale(language):
        return render_template("auth/signup_sent.html",
                               email=accounts.normalize_email(form.email.data))


def _ask_for_account(email, display_name, role, timezone, language, password_hash,
                     now) -> None:
    """Runs after the sign-up page has answered, in the language picked there."""
    outcome = signups.request(db.session, email=email, display_name=display_name, role=role,
                              timezone=timezone, locale=language, password_hash=password_hash,
                              now=now)
    db.session.commit()
    if isinstance(outcome, signups.ConfirmationMail):
        _mail_confirmation(outcome)
    elif isinstance(outcome, signups.AlreadyHasAccount):
        with force_locale(locale_of(outcome.owner)):
            _mail_owner(outcome.owner)


def _link(endpoint: str, **values) -> str:
    """Links in mail are built from TEND_BASE_URL, never from a request's Host header."""
    return current_app.config["TEND_BASE_URL"] + url_for(endpoint, **values)


def _mail_confirmation(outcome: signups.ConfirmationMail) -> None:
    body = _("Hello %(name)s,\n\nTo finish creating your Tend account, open this link within a "
             "day:\n\n%(link)s\n\nIf you didn't ask for an account, you can ignore this "
             "message: no account is made without the link.\n\nTend", name=outcome.name,
             link=_link("auth.confirm_signup", token=outcome.token))
    mail.send(outcome.to, _("Confirm your Tend account"), body)


def _mail_owner(owner) -> None:
    body = _("Hello %(name)s,\n\nSomeone, perhaps you, tried to create a new Tend account with "
             "this e-mail address. You already have an account, so nothing has changed.\n\n"
             "To sign in: %(login)s\nIf you've forgotten your password, you can choose a new "
             "one: %(reset)s\n\nIf it wasn't you, you can ignore this message: your account "
             "and password stay as they are.\n\nTend", name=owner.display_name,
             login=_link("auth.login"), reset=_link("recovery.forgot_password"))
    mail.send(owner.email, _("Someone tried to sign up with your e-mail address"), body)


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def confirm_signup(token: str):
    """A page with one button, so a mail scanner opening the link makes no account."""
    now = clock.now()
    pending = signups.pending(db.session, token, now)
    if pending is None:
        return _no_store(render_template("auth/signup_invalid.html")), 404
    with force_locale(pending.locale):  # the language picked on the sign-up page
        return _confirm(pending, now)


def _confirm(pending, now):
    form = Form()
    if not form.validate_on_submit():
        return _no_store(render_template("auth/signup_confirm.html", form=form,
                                         email=pending.email))
    user = signups.confirm(db.session, pending, now)
    db.session.commit()
    if user is None:
        flash(_("This e-mail address already has an account. Please sign in."), "info")
        return redirect(url_for("auth.login"))
    sign_in(user, remember=False)
    flash(_("Welcome to Tend, %(name)s.", name=user.display_name), "success")
    code = invitation_cookie.waiting_code()
    if code and not user.is_client and care_team.find_invitation(db.session, code, now):
        return redirect(url_for("care.invitation", code=code))  # back to where they came from
    if user.role is Role.CLIENT:  # a new client starts with the guided start
        return redirect(url_for("start.index"))
    return redirect(home_url(user))


def _no_store(body):
    response = current_app.make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response
