"""Prescriber updates as saved versions, and caregivers' observations of daily life.

A therapist saves an update (the figures of a period, with their own observations and
questions), edits it until it is marked sent, and may download or print it only once the
client approved that version (or lets their updates go out without asking). A caregiver notes
what they observe; the client approves each before a therapist sees it."""
from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from models import LogAction, Role, db
from tend import access, clock
from tend.access import supporter_required
from tend.care import bp, pages, update_document, update_pdf
from tend.care.forms import ConfirmForm, ObservationForm, UpdateForm
from tend.formatting import date_range, read_times_in
from tend.services import observations as observation_rules
from tend.services import prescriber_updates as updates
from tend.services import update_content
from tend.services.errors import Conflict, FieldError


def _therapists_update(client_id: int, update_id: int):
    now = clock.now()
    grant = access.require(current_user, client_id, now, role=Role.THERAPIST)
    update = updates.find_for_link(db.session, grant.link, update_id)
    if update is None:
        abort(404)
    read_times_in(grant.client.timezone)
    return now, grant, update


def _shown_categories(grant, update) -> list:
    return [c for c in grant.data_categories if c.value in update.content.get("shared", [])]


@bp.post("/clients/<int:client_id>/updates")
@supporter_required
def save_update(client_id: int):
    now = clock.now()
    grant = access.require(current_user, client_id, now, role=Role.THERAPIST)
    form = UpdateForm()
    if not form.validate_on_submit():
        flash(_("The update wasn't saved: %(problem)s",
                problem=next(iter(form.errors.values()))[0]), "error")
        return redirect(url_for("care.prescriber_update", client_id=client_id))
    content = update_content.gather(grant, form.first.data, form.last.data, now)
    update = updates.save_new(db.session, grant.link, form.first.data, form.last.data,
                              form.observations.data, form.questions.data, content, now)
    db.session.commit()
    flash(_("Update saved. %(name)s sees it before it can be downloaded or printed.",
            name=grant.client.display_name) if updates.needs_approval(update)
          else _("Update saved."), "success")
    return redirect(url_for("care.update_version", client_id=client_id, update_id=update.id))


@bp.route("/clients/<int:client_id>/updates/<int:update_id>", methods=["GET", "POST"])
@supporter_required
def update_version(client_id: int, update_id: int):
    now, grant, update = _therapists_update(client_id, update_id)
    form = UpdateForm(obj=update) if update.sent_at is None else None
    if form is not None and form.is_submitted():
        form.first.data, form.last.data = update.first_day, update.last_day
        if form.validate():
            try:
                updates.edit(update, form.observations.data, form.questions.data,
                             update_content.gather(grant, update.first_day, update.last_day,
                                                   now), now)
            except FieldError as error:
                getattr(form, error.field).errors = [error.message]
            else:
                db.session.commit()
                flash(_("Changes saved, with the figures as they stand now."), "success")
                return redirect(url_for("care.update_version", client_id=client_id,
                                        update_id=update.id))
    elif form is not None:
        form.first.data, form.last.data = update.first_day, update.last_day
    with access.in_clients_language(grant.client):
        access.log_view(grant, pages.page_names()["update"], now,
                        _shown_categories(grant, update))
    db.session.commit()
    return render_template(
        "care/update_version.html", access=grant, update=update, form=form,
        document=update_document.build(update), confirm=ConfirmForm(),
        may_hand_on=updates.may_hand_on(update)
        and update_content.shared_categories_still_granted(grant, update.content),
        versions=updates.of_link(db.session, grant.link)), 400 if form and form.errors else 200


@bp.post("/clients/<int:client_id>/updates/<int:update_id>/sent")
@supporter_required
def mark_update_sent(client_id: int, update_id: int):
    now, grant, update = _therapists_update(client_id, update_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        updates.mark_sent(update, now)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("care.update_version", client_id=client_id, update_id=update_id))
    db.session.commit()
    flash(_("Marked as sent. This version no longer changes."), "success")
    return redirect(url_for("care.update_version", client_id=client_id, update_id=update_id))


@bp.get("/clients/<int:client_id>/updates/<int:update_id>/update.pdf")
@supporter_required
def download_update(client_id: int, update_id: int):
    """The PDF, only of a version the client approved (or lets go out without asking), and
    only while everything in it is still shared; each download is in the client's log."""
    now, grant, update = _therapists_update(client_id, update_id)
    if not updates.may_hand_on(update) or \
            not update_content.shared_categories_still_granted(grant, update.content):
        return render_template("care/update_refused.html", access=grant, update=update), 403
    document = update_document.build(update)
    pdf = update_pdf.render(document, update.author_name, document.title,
                            str(get_locale()))
    with access.in_clients_language(grant.client):
        access.log(grant.client, current_user, LogAction.VIEW,
                   _("Prescriber update for %(period)s, downloaded as a PDF",
                     period=date_range(update.first_day, update.last_day)), now,
                   _shown_categories(grant, update))
    db.session.commit()
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="update-{update.first_day.isoformat()}-{update.id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/clients/<int:client_id>/observations", methods=["GET", "POST"])
@supporter_required
def observations(client_id: int):
    now = clock.now()
    grant = access.require(current_user, client_id, now, role=Role.CAREGIVER)
    read_times_in(grant.client.timezone)
    form = ObservationForm()
    if form.validate_on_submit():
        try:
            observation_rules.note(db.session, grant.link, form.text.data,
                                   form.observed_on.data, now)
        except FieldError as error:
            getattr(form, error.field).errors = [error.message]
        else:
            with access.in_clients_language(grant.client):
                access.log(grant.client, current_user, LogAction.CHANGE, _("Observations"),
                           now, detail=_("%(name)s added an observation for you to approve",
                                         name=current_user.display_name))
            db.session.commit()
            flash(_("Saved. %(name)s decides whether their therapist sees it.",
                    name=grant.client.display_name), "success")
            return redirect(url_for("care.observations", client_id=client_id))
    return render_template("care/observations.html", access=grant, form=form,
                           written=observation_rules.written_through(db.session, grant.link)), \
        400 if form.errors else 200
