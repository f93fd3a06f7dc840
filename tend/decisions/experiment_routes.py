"""Experiments with checkpoints: a medication change or a strategy (a sleep routine,
exercise...) the client sets up, with what they hope for and worry about, what they were told
to expect, and checkpoints where they compare before and after and give their own verdict.
Never a verdict from the app."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import ExperimentKind, Verdict, db
from tend import charts, clock
from tend.access import client_required
from tend.decisions import bp
from tend.decisions.forms import (AddCheckpointForm, AgreementForm, CheckpointForm,
                                  ExpectationForm, ExperimentForm)
from tend.fields import parse_day
from tend.decisions.views import client_today, show_field_error, this_client
from tend.services import decisions, goals, insights, medications
from tend.services.errors import FieldError


@bp.get("/experiments")
@client_required
def experiments():
    items = decisions.experiments_of(db.session, this_client())
    return render_template("decisions/experiments.html", experiments=items, today=client_today(),
                           due=decisions.due_checkpoints(db.session, this_client(), client_today()))


def _experiment_form() -> ExperimentForm:
    form = ExperimentForm()
    meds = medications.medications_of(db.session, this_client())
    form.medication_id.choices = [("", _("None, or not listed"))] + \
        [(str(med.id), med.name) for med in meds]
    if not form.is_submitted():
        changed_on = client_today()
        if request.args.get("medication_id"):
            form.medication_id.data = request.args["medication_id"]
        # A step plan's "How is this step going?" opens this form about that step.
        try:
            changed_on = parse_day(request.args.get("changed_on", ""))
        except ValueError:
            pass
        form.changed_on.data = changed_on
        if request.args.get("title"):
            form.title.data = request.args["title"][:120]
        for entry, day in zip(form.checkpoints.entries,
                              decisions.suggested_checkpoints(changed_on)):
            entry.data = day
    return form


@bp.route("/experiments/new", methods=["GET", "POST"])
@client_required
def experiment_new():
    form = _experiment_form()
    if form.validate_on_submit():
        data = decisions.ExperimentInput(
            kind=ExperimentKind(form.kind.data), title=form.title.data,
            changed_on=form.changed_on.data, hopes=form.hopes.data,
            worries=form.worries.data or "", measures=form.chosen_measures(),
            checkpoints=form.chosen_checkpoints(),
            baseline_days=int(form.baseline_days.data),
            medication_id=form.medication_id.data or None, strategy=form.strategy.data or "",
            agreed_with=form.agreed_with.data or "", agreed_on=form.agreed_on.data,
            rulers=form.ruler_input())
        try:
            experiment = decisions.create_experiment(db.session, this_client(), data, clock.now())
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Your experiment is set up. Tend will show your figures at each date "
                    "you chose."), "success")
            return redirect(url_for("decisions.experiment", experiment_id=experiment.id))
    return render_template("decisions/experiment_new.html", form=form), \
        400 if request.method == "POST" else 200


def _experiment_or_404(experiment_id: int):
    experiment = decisions.experiment_of(db.session, this_client(), experiment_id)
    if experiment is None:
        abort(404)
    return experiment


@bp.get("/experiments/<int:experiment_id>")
@client_required
def experiment(experiment_id: int):
    item = _experiment_or_404(experiment_id)
    return _render_experiment(item, AddCheckpointForm())


def _render_experiment(item, add_form, status: int = 200, agreement_form=None):
    if agreement_form is None:
        agreement_form = AgreementForm(formdata=None, data={
            "agreed_with": item.agreed_with, "agreed_on": item.agreed_on})
    return render_template(
        "decisions/experiment.html", experiment=item, today=client_today(), add_form=add_form,
        agreement_form=agreement_form, rulers=decisions.rulers_over_time(item),
        expectations=decisions.expectations_for(db.session, this_client(), item)), status


@bp.post("/experiments/<int:experiment_id>/agreed")
@client_required
def experiment_agreed(experiment_id: int):
    item = _experiment_or_404(experiment_id)
    form = AgreementForm()
    if form.validate_on_submit():
        try:
            decisions.mark_agreed(item, form.agreed_with.data or "", form.agreed_on.data)
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("decisions.experiment", experiment_id=item.id))
    return _render_experiment(item, AddCheckpointForm(formdata=None), 400, agreement_form=form)


def _edit_expectation(owner_name: str, back: str, **owner):
    """The "what to expect" page of an experiment or of a medication."""
    client = this_client()
    saved = decisions.expectation_of(db.session, client, **owner)
    form = ExpectationForm(obj=saved if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            decisions.save_expectation(db.session, client, form.as_input(), clock.now(),
                                       **owner)
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved. Checkpoints show it next to what happened."), "success")
            return redirect(back)
    return render_template("decisions/expectation.html", form=form, owner_name=owner_name,
                           back=back), 400 if form.errors else 200


@bp.route("/experiments/<int:experiment_id>/expect", methods=["GET", "POST"])
@client_required
def experiment_expectation(experiment_id: int):
    item = _experiment_or_404(experiment_id)
    return _edit_expectation(item.title, url_for("decisions.experiment", experiment_id=item.id),
                             experiment=item)


@bp.route("/medications/<int:medication_id>/expect", methods=["GET", "POST"])
@client_required
def medication_expectation(medication_id: int):
    med = medications.medication_of(db.session, this_client(), medication_id)
    if med is None:
        abort(404)
    return _edit_expectation(med.name, url_for("client.medication", medication_id=med.id),
                             medication=med)


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
            show_field_error(form, error)
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
            [charts.DayMark(_("after"), [item.after.first])])
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
    today = client_today()
    reached = decisions.is_reached(point, today)
    saved = {"verdict": point.verdict.value, "reflection": point.reflection,
             "next_step": point.next_step} if point.completed_at else None
    form = CheckpointForm(data=saved if request.method == "GET" else None)
    if request.method == "GET":
        form.show_ruler(decisions.ruler_at(item, point))
    if reached and form.validate_on_submit():
        try:
            decisions.complete_checkpoint(
                db.session, this_client(), point, verdict=Verdict(form.verdict.data),
                reflection=form.reflection.data or "", next_step=form.next_step.data or "",
                now=clock.now(), rulers=form.ruler_input())
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved. Your answer and these figures stay with the experiment."),
                  "success")
            return redirect(url_for("decisions.checkpoint", experiment_id=item.id,
                                    checkpoint_id=point.id))
    if request.method == "POST" and not reached:
        abort(409)
    comparison = decisions.compare(db.session, this_client(), item, point.due_on) \
        if reached else None
    return render_template(
        "decisions/checkpoint.html", experiment=item, checkpoint=point, form=form,
        reached=reached, comparison=comparison,
        charts=comparison_charts(comparison, f"cp{point.id}") if comparison else {},
        expectations=decisions.expectations_for(db.session, this_client(), item),
        rulers=decisions.rulers_over_time(item),
        progress=goals.progress_of_all(db.session, this_client(), point.due_on, clock.now())
        if reached else []), 400 if form.errors else 200
