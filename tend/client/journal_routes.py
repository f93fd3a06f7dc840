"""Side effects and the daily check-in."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Severity, SideEffect, db
from models.journal import CHECKIN_FIELD, CHECKIN_FIELDS, AnswerKind
from tend import clock
from tend.access import client_required
from tend.client import bp
from tend.client.display import checkin_answer_text
from tend.client.forms import CheckInForm, SideEffectForm
from tend.client.views import new_key, show_field_error
from tend.urls import back_to
from tend.services import journal, medications, red_flags, schedule, support_line
from tend.services.errors import FieldError


def _today() -> date:
    return schedule.local_today(current_user, clock.now())


def _side_effect_form(item: SideEffect | None = None) -> SideEffectForm:
    """The form with the client's own medications to choose from (stopped ones too: a
    side effect can outlast the medication)."""
    if request.method == "POST":
        form = SideEffectForm()
    elif item is None:  # ?symptom= is an urgent choice tapped without the page's script
        form = SideEffectForm(data={"started_on": _today(), "idempotency_key": new_key(),
                                    "symptom": request.args.get("symptom", "")[:80]})
    else:
        form = SideEffectForm(data={
            "symptom": item.symptom, "severity": item.severity.value, "note": item.note,
            "started_on": item.started_on, "ended_on": item.ended_on,
            "medication_ids": [str(med.id) for med in item.medications]})
    form.medication_ids.choices = [
        (str(med.id), med.name) for med in medications.medications_of(db.session, current_user)]
    form.today = _today()
    return form


def _side_effect_page(form: SideEffectForm, item: SideEffect | None = None):
    return render_template("client/side_effect_form.html", form=form, item=item,
                           symptoms=journal.COMMON_SYMPTOMS,
                           urgent=red_flags.groups()), 400 if form.errors else 200


@bp.route("/side-effects/new", methods=["GET", "POST"])
@client_required
def side_effect_new():
    form = _side_effect_form()
    if form.validate_on_submit():
        try:
            item, _created = journal.record_side_effect(
                db.session, current_user, form.side_effect_input(), clock.now(),
                idempotency_key=form.idempotency_key.data or None)
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("client.side_effect", side_effect_id=item.id, saved=1))
    return _side_effect_page(form)


def _side_effect_or_404(side_effect_id: int) -> SideEffect:
    item = journal.side_effect_of(db.session, current_user, side_effect_id)
    if item is None:
        abort(404)
    return item


@bp.get("/side-effects/<int:side_effect_id>")
@client_required
def side_effect(side_effect_id: int):
    """One side effect; right after saving a severe or red-flag one, what to do next."""
    item = _side_effect_or_404(side_effect_id)
    return render_template("client/side_effect.html", item=item,
                           saved=request.args.get("saved") == "1",
                           guidance=red_flags.guidance_for(item.symptom, item.severity))


@bp.route("/side-effects/<int:side_effect_id>/edit", methods=["GET", "POST"])
@client_required
def side_effect_edit(side_effect_id: int):
    item = _side_effect_or_404(side_effect_id)
    form = _side_effect_form(item)
    if form.validate_on_submit():
        try:
            journal.update_side_effect(db.session, current_user, item, form.side_effect_input(),
                                       clock.now())
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("client.side_effect", side_effect_id=item.id, saved=1))
    return _side_effect_page(form, item)


@bp.route("/side-effects/<int:side_effect_id>/delete", methods=["GET", "POST"])
@client_required
def side_effect_delete(side_effect_id: int):
    item = _side_effect_or_404(side_effect_id)
    if request.method == "GET":
        return render_template("client/confirm_delete.html",
                               what=_("the side effect “%(symptom)s”", symptom=item.symptom),
                               cancel=back_to("client.history"))
    db.session.delete(item)
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(back_to("client.history"))


def _checkin_form(day: date) -> CheckInForm:
    """The day's check-in form; it carries the answers it shows as its base, so saving
    writes only what the person changed here."""
    if request.method == "POST":
        form = CheckInForm(timezone=current_user.timezone)
        form.date.data = day  # the page's day, whatever the body says
        return form
    item = journal.checkin_on(db.session, current_user, day)
    shown = {}
    if item is not None:
        shown = {f.name: str(value) if f.kind is AnswerKind.SCALE else value
                 for f in CHECKIN_FIELDS if (value := getattr(item, f.name)) is not None}
    return CheckInForm(data={"date": day, "idempotency_key": new_key(), **shown, "base": shown})


def _conflict_message(conflict: journal.CheckinConflict) -> str:
    answer = CHECKIN_FIELD[conflict.field].label
    value = checkin_answer_text(conflict.field, conflict.value)
    if conflict.kept == journal.OTHER_DEVICE:
        return _("%(answer)s was also changed on another device, and that change is kept: "
                 "%(value)s. You can change it again here.", answer=answer, value=value)
    return _("%(answer)s was also changed on another device; the answer from here is the "
             "later one, so it is kept: %(value)s.", answer=answer, value=value)


@bp.route("/checkin", methods=["GET", "POST"], defaults={"day": None})
@bp.route("/checkin/<day>", methods=["GET", "POST"])
@client_required
def checkin(day: str | None):
    """Today's check-in (or an earlier day's): one per day, saving again updates it."""
    today = _today()
    if day is None and request.args.get("date"):
        return redirect(url_for("client.checkin", day=request.args["date"]))
    try:
        chosen = date.fromisoformat(day) if day else today
    except ValueError:
        abort(404)
    if chosen > today:
        abort(404)
    form = _checkin_form(chosen)
    if form.validate_on_submit():
        try:
            result = journal.save_checkin(db.session, current_user, chosen, form.answers(),
                                          clock.now(), form.idempotency_key.data or None,
                                          base=form.base_answers())
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            gentle = support_line.claim_for(db.session, current_user, result.checkin,
                                            clock.now())
            db.session.commit()
            flash(_("Check-in saved. Thank you.") if result.created else _("Check-in updated."),
                  "success")
            for conflict in result.conflicts:
                flash(_conflict_message(conflict), "info")
            if gentle:  # its words are in client/_support_line.html
                flash("", "support")
            if chosen == today:
                return redirect(url_for("client.today"))
            return redirect(url_for("client.history", until=chosen.isoformat()))
    existing = journal.checkin_on(db.session, current_user, chosen)
    return render_template("client/checkin.html", form=form, day=chosen, today=today,
                           existing=existing), 400 if form.errors else 200


@bp.route("/checkin/<day>/delete", methods=["GET", "POST"])
@client_required
def checkin_delete(day: str):
    try:
        item = journal.checkin_on(db.session, current_user, date.fromisoformat(day))
    except ValueError:
        item = None
    if item is None:
        abort(404)
    if request.method == "GET":
        return render_template("client/confirm_delete.html", what=_("this day's check-in"),
                               cancel=back_to("client.history"))
    db.session.delete(item)
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(back_to("client.history"))
