"""A therapist's session notes about a client: written, edited and removed only by their
author, always readable by the client (on Sharing, "Notes from your therapist")."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Role, db
from tend import access, clock
from tend.access import supporter_required
from tend.care import bp
from tend.care.forms import ConfirmForm, EditNoteForm, NoteForm
from tend.services import therapist_notes


@bp.route("/clients/<int:client_id>/notes", methods=["GET", "POST"])
@supporter_required
def notes(client_id: int):
    """Session notes: the therapist's own writing, which the client can always read."""
    now = clock.now()
    grant = access.require(current_user, client_id, now, role=Role.THERAPIST)
    form = NoteForm()
    if form.validate_on_submit():
        therapist_notes.add_note(db.session, current_user, grant.client, form.text.data, now)
        db.session.commit()
        flash(_("Note saved. %(name)s can read it too.", name=grant.client.display_name),
              "success")
        return redirect(url_for("care.notes", client_id=client_id))
    return render_template("care/notes.html", access=grant, form=form,
                           notes=therapist_notes.notes_about(db.session, grant.client, current_user)), \
        400 if form.errors else 200


def _own_note(client_id: int, note_id: int):
    now = clock.now()
    grant = access.require(current_user, client_id, now, role=Role.THERAPIST)
    note = therapist_notes.note_of(db.session, current_user, grant.client, note_id)
    if note is None:
        abort(404)
    return now, grant, note


@bp.route("/clients/<int:client_id>/notes/<int:note_id>", methods=["GET", "POST"])
@supporter_required
def note_edit(client_id: int, note_id: int):
    now, grant, note = _own_note(client_id, note_id)
    form = EditNoteForm(obj=note)
    if form.validate_on_submit():
        therapist_notes.edit_note(note, form.text.data, now)
        db.session.commit()
        flash(_("Note saved. %(name)s can read it too.", name=grant.client.display_name),
              "success")
        return redirect(url_for("care.notes", client_id=client_id))
    return render_template("care/note_edit.html", access=grant, form=form, note=note,
                           remove_form=ConfirmForm()), 400 if form.errors else 200


@bp.post("/clients/<int:client_id>/notes/<int:note_id>/remove")
@supporter_required
def note_remove(client_id: int, note_id: int):
    now, grant, note = _own_note(client_id, note_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    therapist_notes.remove_note(db.session, note, current_user, grant.client, now)
    db.session.commit()
    flash(_("Note removed. %(name)s's access log says that a note was removed.",
            name=grant.client.display_name), "success")
    return redirect(url_for("care.notes", client_id=client_id))
