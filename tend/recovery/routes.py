"""Forgot password: an e-mail with a single-use link that expires after an hour.

The request page answers the same whether or not the e-mail has an account, in the same time:
looking the address up, writing the token and mailing happen after the answer
(tend/deferred.py). The link is built from ``TEND_BASE_URL``, never from the request's Host
header (which an attacker could set)."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale, gettext as _

from models import db
from tend import clock, deferred, mail
from tend.recovery import bp
from tend.recovery.forms import ForgotPasswordForm, ResetPasswordForm
from tend.services import recovery


def _send_reset_mail(user, token: str) -> None:
    link = current_app.config["TEND_BASE_URL"] + url_for("recovery.reset_password", token=token)
    body = _("Hello %(name)s,\n\nSomeone (hopefully you) asked to reset the password of your "
             "Tend account. To choose a new password, open this link within an hour:\n\n"
             "%(link)s\n\nThe link works once. If you didn't ask for this, you can ignore this "
             "message: your password stays as it is.\n\nTend", name=user.display_name,
             link=link)
    mail.send(user.email, _("Reset your Tend password"), body)


def _reset_if_account(email: str, now) -> None:
    """Runs after the page has answered: a token and a mail, in the owner's language."""
    issued = recovery.issue_token(db.session, email, now)
    db.session.commit()
    if issued:
        with force_locale(issued[0].locale):
            _send_reset_mail(*issued)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        deferred.later(_reset_if_account, form.email.data, clock.now())
        return render_template("recovery/sent.html")
    return render_template("recovery/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = recovery.valid_reset(db.session, token, clock.now())
    if reset is None:
        return render_template("recovery/invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        recovery.complete(db.session, reset, form.password.data, clock.now())
        db.session.commit()
        flash(_("Your password is changed and every device was signed out. Sign in with "
                "your new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("recovery/reset.html", form=form), 400 if form.errors else 200


@bp.after_request
def no_referrer(response):
    """The reset link's token must not leak to another site through the Referer header."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
