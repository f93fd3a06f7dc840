"""Appointment preparation, questions for the next appointment and the one-page summary
(experiments are in ``experiment_routes``).

Views validate, call ``tend.services.decisions``, commit, flash and redirect. A form with a
mistake re-renders its page with the message at the field and the other input kept."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import NoteKind, Side, db
from tend import clock
from tend.access import client_required
from tend.decisions import bp
from tend.decisions.forms import (AnswerForm, BalanceForm, GoalForm, NoteForm, QuestionForm,
                                  ReasonForm)
from tend.decisions.views import client_today, show_field_error, this_client
from tend.services import decisions, goals
from tend.services.errors import FieldError


# --- Appointment preparation ------------------------------------------------------------------

def _render_prep(status: int = 200, **forms):
    client = this_client()
    balances = decisions.balances_of(db.session, client)
    page_forms = {
        "goal_form": GoalForm(formdata=None),
        "concern_form": NoteForm(NoteKind.CONCERN, formdata=None),
        "balance_form": BalanceForm(formdata=None),
        "question_form": QuestionForm(formdata=None),
        "reason_forms": {(b.id, side.value): ReasonForm(b.id, side, formdata=None)
                         for b in balances for side in Side},
    }
    reason_form = forms.pop("reason_form", None)
    if reason_form is not None:
        page_forms["reason_forms"][reason_form.key] = reason_form
    page_forms.update(forms)
    return render_template(
        "decisions/appointment.html",
        goals=decisions.notes_of(db.session, client, NoteKind.GOAL),
        progress={p.goal.id: p for p in goals.progress_of_all(db.session, client,
                                                              client_today(), clock.now())},
        concerns=decisions.notes_of(db.session, client, NoteKind.CONCERN),
        balances=balances, questions=decisions.questions_of(db.session, client),
        **page_forms), status


@bp.get("/appointment")
@client_required
def appointment():
    return _render_prep()


@bp.post("/appointment/notes/<kind>")
@client_required
def note_add(kind: str):
    try:
        note_kind = NoteKind(kind)
    except ValueError:
        abort(404)
    form = GoalForm() if note_kind is NoteKind.GOAL else NoteForm(note_kind)
    if form.validate_on_submit():
        try:
            decisions.add_note(db.session, this_client(), note_kind, form.text.data,
                               clock.now(), link=form.goal_link())
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Added."), "success")
            return redirect(url_for("decisions.appointment", _anchor=f"{note_kind.value}s"))
    return _render_prep(400, **{f"{note_kind.value}_form": form})


@bp.post("/appointment/notes/<int:note_id>/done")
@client_required
def note_done(note_id: int):
    note = decisions.note_of(db.session, this_client(), note_id)
    if note is None:
        abort(404)
    note.done_at = note.done_at or clock.now()
    db.session.commit()
    flash(_("Taken off the list."), "success")
    return redirect(url_for("decisions.appointment", _anchor=f"{note.kind.value}s"))


@bp.post("/appointment/balances")
@client_required
def balance_add():
    form = BalanceForm()
    if form.validate_on_submit():
        decisions.add_balance(db.session, this_client(), form.topic.data, clock.now())
        db.session.commit()
        flash(_("Added. Now list the reasons for and against."), "success")
        return redirect(url_for("decisions.appointment", _anchor="balances"))
    return _render_prep(400, balance_form=form)


def _balance_or_404(balance_id: int):
    balance = decisions.balance_of(db.session, this_client(), balance_id)
    if balance is None:
        abort(404)
    return balance


@bp.post("/appointment/balances/<int:balance_id>/reasons/<side>")
@client_required
def reason_add(balance_id: int, side: str):
    balance = _balance_or_404(balance_id)
    try:
        reason_side = Side(side)
    except ValueError:
        abort(404)
    form = ReasonForm(balance.id, reason_side)
    form.key = (balance.id, reason_side.value)
    if form.validate_on_submit():
        decisions.add_reason(db.session, balance, reason_side, form.text.data, clock.now())
        db.session.commit()
        return redirect(url_for("decisions.appointment", _anchor=f"balance-{balance.id}"))
    return _render_prep(400, reason_form=form)


@bp.post("/appointment/balances/<int:balance_id>/reasons/<int:reason_id>/delete")
@client_required
def reason_delete(balance_id: int, reason_id: int):
    balance = _balance_or_404(balance_id)
    reason = decisions.reason_of(balance, reason_id)
    if reason is None:
        abort(404)
    db.session.delete(reason)
    db.session.commit()
    return redirect(url_for("decisions.appointment", _anchor=f"balance-{balance.id}"))


@bp.post("/appointment/balances/<int:balance_id>/done")
@client_required
def balance_done(balance_id: int):
    balance = _balance_or_404(balance_id)
    balance.done_at = balance.done_at or clock.now()
    db.session.commit()
    flash(_("Taken off the list."), "success")
    return redirect(url_for("decisions.appointment", _anchor="balances"))


# --- Questions --------------------------------------------------------------------------------

def _question_or_404(question_id: int):
    question = decisions.question_of(db.session, this_client(), question_id)
    if question is None:
        abort(404)
    return question


@bp.post("/questions")
@client_required
def question_add():
    form = QuestionForm()
    if form.validate_on_submit():
        decisions.add_question(db.session, this_client(), form.text.data, clock.now())
        db.session.commit()
        flash(_("Question added."), "success")
        return redirect(url_for("decisions.appointment", _anchor="questions"))
    return _render_prep(400, question_form=form)


@bp.post("/questions/<int:question_id>/asked")
@client_required
def question_asked(question_id: int):
    decisions.mark_asked(_question_or_404(question_id), clock.now())
    db.session.commit()
    flash(_("Marked as asked. You can note the answer whenever you like."), "success")
    return redirect(url_for("decisions.appointment", _anchor=f"question-{question_id}"))


@bp.route("/questions/<int:question_id>/answer", methods=["GET", "POST"])
@client_required
def question_answer(question_id: int):
    question = _question_or_404(question_id)
    form = AnswerForm(data={"answer": question.answer} if request.method == "GET" else None)
    if form.validate_on_submit():
        decisions.record_answer(question, form.answer.data, clock.now())
        db.session.commit()
        flash(_("Answer saved."), "success")
        return redirect(url_for("decisions.appointment", _anchor=f"question-{question.id}"))
    return render_template("decisions/answer.html", question=question, form=form), \
        400 if form.errors else 200


@bp.post("/questions/<int:question_id>/reopen")
@client_required
def question_reopen(question_id: int):
    decisions.reopen_question(_question_or_404(question_id))
    db.session.commit()
    flash(_("The question is open again."), "success")
    return redirect(url_for("decisions.appointment", _anchor=f"question-{question_id}"))


@bp.post("/questions/<int:question_id>/delete")
@client_required
def question_delete(question_id: int):
    db.session.delete(_question_or_404(question_id))
    db.session.commit()
    flash(_("Question removed."), "success")
    return redirect(url_for("decisions.appointment", _anchor="questions"))


# --- The one-page summary ---------------------------------------------------------------------

@bp.get("/appointment/summary")
@client_required
def summary():
    days = _summary_days(request.args.get("days"))
    data = decisions.summary(db.session, this_client(), clock.now(), days)
    return render_template("decisions/summary.html", summary=data, person=this_client(),
                           days=days, periods=decisions.SUMMARY_PERIODS,
                           viewer_is_client=True)


def _summary_days(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return decisions.DEFAULT_SUMMARY_DAYS
    return days if days in decisions.SUMMARY_PERIODS else decisions.DEFAULT_SUMMARY_DAYS


from tend.decisions import experiment_routes  # noqa: E402,F401
