"""Experiments with checkpoints, appointment preparation and the appointment summary.

Views validate, call ``tend.services.decisions``, commit, flash and redirect. A form with a
mistake re-renders its page with the message at the field and the other input kept."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import FieldList

from models import ExperimentKind, NoteKind, Side, Verdict, db
from tend import charts, clock
from tend.access import client_required
from tend.decisions import bp
from tend.decisions.forms import (AddCheckpointForm, AnswerForm, BalanceForm, CheckpointForm,
                                  ExperimentForm, NoteForm, QuestionForm, ReasonForm)
from tend.services import decisions, insights, medications, schedule
from tend.services.errors import FieldError


def _client():
    return current_user._get_current_object()


def _today() -> date:
    return schedule.local_today(_client(), clock.now())


def _field_error(form, error: FieldError) -> None:
    """Show a service's message at its field; for a list of dates, at the first date."""
    field = getattr(form, error.field, None) or next(iter(form))
    if isinstance(field, FieldList):
        field = field.entries[0]
    field.errors = list(field.errors) + [str(error.message)]


# --- Experiments ------------------------------------------------------------------------------

@bp.get("/experiments")
@client_required
def experiments():
    items = decisions.experiments_of(db.session, _client())
    return render_template("decisions/experiments.html", experiments=items, today=_today(),
                           due=decisions.due_checkpoints(db.session, _client(), _today()))


def _experiment_form() -> ExperimentForm:
    form = ExperimentForm()
    meds = medications.medications_of(db.session, _client())
    form.medication_id.choices = [("", _("None, or not listed"))] + \
        [(str(med.id), med.name) for med in meds]
    if not form.is_submitted():
        today = _today()
        form.changed_on.data = today
        if request.args.get("medication_id"):
            form.medication_id.data = request.args["medication_id"]
        for entry, day in zip(form.checkpoints.entries, decisions.suggested_checkpoints(today)):
            entry.data = day
    return form


@bp.route("/experiments/new", methods=["GET", "POST"])
@client_required
def experiment_new():
    form = _experiment_form()
    if form.validate_on_submit():
        dates = [entry.data for entry in form.checkpoints.entries if entry.data]
        data = decisions.ExperimentInput(
            kind=ExperimentKind(form.kind.data), title=form.title.data,
            changed_on=form.changed_on.data, hopes=form.hopes.data,
            worries=form.worries.data or "", measures=form.chosen_measures(),
            checkpoints=dates or decisions.suggested_checkpoints(form.changed_on.data),
            baseline_days=int(form.baseline_days.data),
            medication_id=form.medication_id.data or None)
        try:
            experiment = decisions.create_experiment(db.session, _client(), data, clock.now())
        except FieldError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("Your experiment is set up. Tend will show your figures at each date "
                    "you chose."), "success")
            return redirect(url_for("decisions.experiment", experiment_id=experiment.id))
    return render_template("decisions/experiment_new.html", form=form), \
        400 if request.method == "POST" else 200


def _experiment_or_404(experiment_id: int):
    experiment = decisions.experiment_of(db.session, _client(), experiment_id)
    if experiment is None:
        abort(404)
    return experiment


@bp.get("/experiments/<int:experiment_id>")
@client_required
def experiment(experiment_id: int):
    item = _experiment_or_404(experiment_id)
    return _render_experiment(item, AddCheckpointForm())


def _render_experiment(item, add_form, status: int = 200):
    return render_template("decisions/experiment.html", experiment=item, today=_today(),
                           add_form=add_form), status


@bp.post("/experiments/<int:experiment_id>/checkpoints")
@client_required
def checkpoint_add(experiment_id: int):
    item = _experiment_or_404(experiment_id)
    form = AddCheckpointForm()
    if form.validate_on_submit():
        try:
            decisions.add_checkpoint(db.session, item, form.due_on.data)
        except FieldError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("Date added."), "success")
            return redirect(url_for("decisions.experiment", experiment_id=item.id))
    return _render_experiment(item, form, 400)


@bp.post("/experiments/<int:experiment_id>/end")
@client_required
def experiment_end(experiment_id: int):
    item = _experiment_or_404(experiment_id)
    decisions.end_experiment(item, clock.now())
    db.session.commit()
    flash(_("Experiment closed. It stays here to read whenever you like."), "success")
    return redirect(url_for("decisions.experiment", experiment_id=item.id))


@bp.post("/experiments/<int:experiment_id>/reopen")
@client_required
def experiment_reopen(experiment_id: int):
    item = _experiment_or_404(experiment_id)
    decisions.reopen_experiment(item)
    db.session.commit()
    flash(_("Experiment reopened."), "success")
    return redirect(url_for("decisions.experiment", experiment_id=item.id))


def comparison_charts(comparison: decisions.Comparison, prefix: str) -> dict:
    """A small chart per measure: the "before" days, then the "after" days, with a line
    where the "after" window starts. Gaps stay gaps."""
    result = {}
    for n, item in enumerate(comparison.measures):
        days = item.before.days + item.after.days
        values = item.before.values + item.after.values
        if decisions.symptom_of(item.measure) is not None:
            low, high, ticks = 0, 3, [0, 1, 2, 3]
        else:
            low, high, ticks = insights.Series(item.measure, values).scale
        desc = _("Before: %(before)s. After: %(after)s.",
                 before=_window_text(item.before), after=_window_text(item.after))
        result[item.measure] = charts.line_chart(
            f"{prefix}-{n}", item.label, desc, days, values, low, high, ticks,
            [(_("after"), item.after.first)])
    return result


def _window_text(window: decisions.Window) -> str:
    if window.average is None:
        return _("nothing logged in %(days)d days", days=window.length)
    return _("average %(average)s on %(logged)d of %(days)d days",
             average=round(window.average, 1), logged=window.logged, days=window.length)


@bp.route("/experiments/<int:experiment_id>/checkpoints/<int:checkpoint_id>",
          methods=["GET", "POST"])
@client_required
def checkpoint(experiment_id: int, checkpoint_id: int):
    item = _experiment_or_404(experiment_id)
    point = decisions.checkpoint_of(item, checkpoint_id)
    if point is None:
        abort(404)
    today = _today()
    reached = decisions.is_reached(point, today)
    saved = {"verdict": point.verdict.value, "reflection": point.reflection,
             "next_step": point.next_step} if point.completed_at else None
    form = CheckpointForm(data=saved if request.method == "GET" else None)
    if reached and form.validate_on_submit():
        decisions.complete_checkpoint(
            db.session, _client(), point, verdict=Verdict(form.verdict.data),
            reflection=form.reflection.data or "", next_step=form.next_step.data or "",
            now=clock.now())
        db.session.commit()
        flash(_("Saved. Your answer and these figures stay with the experiment."), "success")
        return redirect(url_for("decisions.checkpoint", experiment_id=item.id,
                                checkpoint_id=point.id))
    if request.method == "POST" and not reached:
        abort(409)
    comparison = decisions.compare(db.session, _client(), item, point.due_on) if reached else None
    return render_template(
        "decisions/checkpoint.html", experiment=item, checkpoint=point, form=form,
        reached=reached, comparison=comparison,
        charts=comparison_charts(comparison, f"cp{point.id}") if comparison else {}), \
        400 if form.errors else 200


# --- Appointment preparation ---------------------------------------------------------------------

def _render_prep(status: int = 200, **forms):
    client = _client()
    balances = decisions.balances_of(db.session, client)
    page_forms = {
        "goal_form": NoteForm(NoteKind.GOAL, formdata=None),
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
    form = NoteForm(note_kind)
    if form.validate_on_submit():
        decisions.add_note(db.session, _client(), note_kind, form.text.data, clock.now())
        db.session.commit()
        flash(_("Added."), "success")
        return redirect(url_for("decisions.appointment", _anchor=f"{note_kind.value}s"))
    return _render_prep(400, **{f"{note_kind.value}_form": form})


@bp.post("/appointment/notes/<int:note_id>/done")
@client_required
def note_done(note_id: int):
    note = decisions.note_of(db.session, _client(), note_id)
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
        decisions.add_balance(db.session, _client(), form.topic.data, clock.now())
        db.session.commit()
        flash(_("Added. Now list the reasons for and against."), "success")
        return redirect(url_for("decisions.appointment", _anchor="balances"))
    return _render_prep(400, balance_form=form)


def _balance_or_404(balance_id: int):
    balance = decisions.balance_of(db.session, _client(), balance_id)
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


# --- Questions ---------------------------------------------------------------------------------------

def _question_or_404(question_id: int):
    question = decisions.question_of(db.session, _client(), question_id)
    if question is None:
        abort(404)
    return question


@bp.post("/questions")
@client_required
def question_add():
    form = QuestionForm()
    if form.validate_on_submit():
        decisions.add_question(db.session, _client(), form.text.data, clock.now())
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


# --- The one-page summary ------------------------------------------------------------------------------

@bp.get("/appointment/summary")
@client_required
def summary():
    days = _summary_days(request.args.get("days"))
    data = decisions.summary(db.session, _client(), clock.now(), days)
    return render_template("decisions/summary.html", summary=data, person=_client(),
                           days=days, periods=decisions.SUMMARY_PERIODS,
                           viewer_is_client=True)


def _summary_days(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return decisions.DEFAULT_SUMMARY_DAYS
    return days if days in decisions.SUMMARY_PERIODS else decisions.DEFAULT_SUMMARY_DAYS
