"""The client's side of sharing: the care team, invitations, what each person sees, a preview
of exactly that, ending a link, who has seen what, and notes therapists wrote."""
from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from models import AccessLogEntry, Category, LinkStatus, LogAction, Role, db
from tend import access, clock
from tend.access import client_required
from tend.care import pages
from tend.care.forms import ConfirmForm
from tend.formatting import read_times_in
from tend.labels import CATEGORY_LABELS
from tend.sealing import seal, unseal
from tend.services import care_team, therapist_notes
from tend.services.errors import Conflict
from tend.sharing import bp
from tend.sharing.forms import AlertForm, InviteForm, category_fields, chosen, grants_form

LOG_LIMIT = 200


def _own_link(link_id: int):
    link = care_team.link_of(db.session, current_user, link_id)
    if link is None:
        abort(404)
    return link


SHOWN_CODE = "invite-code"


def _shown_codes() -> dict:
    """Codes of invitations made in this session, sealed (tend/sealing.py): the client sees
    them again here, the database keeps only their hash, the cookie only an opaque token."""
    return session.setdefault("invite_codes", {})


def _keep_shown_code(link_id: int, code: str) -> None:
    _shown_codes()[str(link_id)] = seal(code, SHOWN_CODE)
    session.modified = True


@bp.get("/")
@client_required
def team():
    return _team_page()


def _team_page(error: str | None = None, status: int = 200):
    now = clock.now()
    team_links = care_team.links_of(db.session, current_user)
    changes = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.client_id == current_user.id,
                                     AccessLogEntry.action == LogAction.CHANGE,
                                     AccessLogEntry.viewer_id != current_user.id)
        .order_by(AccessLogEntry.at.desc()).limit(3)).all()
    return render_template("sharing/team.html", links=team_links, now=now, changes=changes,
                           status_of=lambda link: care_team.display_status(link, now),
                           can_undo=lambda link: care_team.can_undo_end(link, now),
                           confirm=ConfirmForm(), error=error,
                           undo_after=care_team.UNDO_END), status


@bp.route("/invite", methods=["GET", "POST"])
@client_required
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        link, code = care_team.invite(db.session, current_user, Role(form.role.data),
                                  form.name.data, clock.now())
        db.session.commit()
        _keep_shown_code(link.id, code)
        return redirect(url_for("sharing.person", link_id=link.id))
    return render_template("sharing/invite.html", form=form), 400 if form.errors else 200


@bp.route("/people/<int:link_id>", methods=["GET", "POST"])
@client_required
def person(link_id: int):
    now = clock.now()
    link = _own_link(link_id)
    form = grants_form(link.role, link=link) if link.status is LinkStatus.ACTIVE else None
    if form is not None and form.validate_on_submit():
        choices = chosen(form, access.local_today(current_user, now))
        if choices is not None:
            changed = care_team.set_grants(db.session, link, choices, now)
            db.session.commit()
            if changed:
                flash(_("Saved. %(name)s sees the change on their next page.", name=link.name),
                      "success")
            return redirect(url_for("sharing.person", link_id=link.id))
    settings = care_team.shown_alert_settings(db.session, link) \
        if link.role is Role.CAREGIVER and link.status is LinkStatus.ACTIVE else None
    alert_form = AlertForm(data={"delay": str(settings.delay_minutes),
                                 "paused": settings.paused}) if settings else None
    status = care_team.display_status(link, now)
    code = unseal(_shown_codes().get(str(link.id)), SHOWN_CODE) if status == "pending" else None
    return render_template("sharing/person.html", link=link, form=form, status=status,
                           code=code, alert_form=alert_form, confirm=ConfirmForm(),
                           summary=care_team.sharing_summary(link),
                           labels=CATEGORY_LABELS, category_fields=category_fields), \
        400 if form is not None and form.errors else 200


@bp.post("/people/<int:link_id>/code")
@client_required
def new_code(link_id: int):
    link = _own_link(link_id)
    if link.status is not LinkStatus.PENDING or not ConfirmForm().validate_on_submit():
        abort(400)
    _keep_shown_code(link.id, care_team.renew_code(link, clock.now()))
    db.session.commit()
    flash(_("Here is a new code. The old one no longer works."), "success")
    return redirect(url_for("sharing.person", link_id=link.id))


@bp.get("/people/<int:link_id>/end")
@client_required
def ask_to_end(link_id: int):
    """The one question before stopping: what stops, and that it can be undone a while."""
    link = _own_link(link_id)
    status = care_team.display_status(link, clock.now())
    if status == "ended":
        return redirect(url_for("sharing.person", link_id=link.id))
    return render_template("sharing/end.html", link=link, status=status, confirm=ConfirmForm(),
                           undo_minutes=care_team.UNDO_END.seconds // 60)


@bp.post("/people/<int:link_id>/end")
@client_required
def end(link_id: int):
    link = _own_link(link_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    was_pending = link.status is LinkStatus.PENDING
    care_team.end(db.session, link, current_user, clock.now())
    db.session.commit()
    _shown_codes().pop(str(link.id), None)
    session.modified = True
    if was_pending:
        flash(_("The invitation is withdrawn. Its code no longer works."), "success")
    else:
        flash(_("You've stopped sharing with %(name)s. They no longer see anything of yours.",
                name=link.name), "success")
    return redirect(url_for("sharing.team"))


@bp.post("/people/<int:link_id>/undo")
@client_required
def undo_end(link_id: int):
    link = _own_link(link_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        care_team.undo_end(db.session, link, clock.now())
    except Conflict as problem:
        db.session.rollback()
        return _team_page(problem.message, 400)
    db.session.commit()
    flash(_("You're sharing with %(name)s again, as before.", name=link.name), "success")
    return redirect(url_for("sharing.person", link_id=link.id))


@bp.post("/people/<int:link_id>/alerts")
@client_required
def alerts(link_id: int):
    link = _own_link(link_id)
    if link.role is not Role.CAREGIVER or link.status is not LinkStatus.ACTIVE:
        abort(404)
    form = AlertForm()
    if not form.validate_on_submit():
        abort(400)
    care_team.save_alerts(db.session, link, delay_minutes=int(form.delay.data),
                      paused=form.paused.data, now=clock.now())
    db.session.commit()
    flash(_("Alert settings saved."), "success")
    return redirect(url_for("sharing.person", link_id=link.id))


@bp.get("/people/<int:link_id>/preview")
@client_required
def preview(link_id: int):
    """The supporter's own page, rendered from the supporter's access: exactly what they see."""
    now = clock.now()
    link = _own_link(link_id)
    if link.status is not LinkStatus.ACTIVE:
        abort(404)
    grant = access.access_for_link(link, now)
    read_times_in(grant.client.timezone)
    return render_template("care/client.html", **pages.client_overview(grant, now),
                           labels=CATEGORY_LABELS, confirm=ConfirmForm(), preview=True)


@bp.get("/log")
@client_required
def access_log():
    entries = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.client_id == current_user.id)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc()).limit(LOG_LIMIT)).all()
    return render_template("sharing/log.html", entries=entries, limit=LOG_LIMIT,
                           label_of=lambda value: CATEGORY_LABELS[Category(value)])


@bp.get("/notes")
@client_required
def notes():
    return render_template("sharing/notes.html",
                           notes=therapist_notes.notes_about(db.session, current_user))
