"""Experiments with checkpoints: a medication change the client sets up, with what they hope
for and worry about, and checkpoints where they compare before and after and give their own
verdict. Never a verdict from the app."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import ExperimentKind, Verdict, db
from tend import charts, clock
from tend.access import client_required
from tend.decisions import bp
from tend.decisions.forms import AddCheckpointForm, CheckpointForm, ExperimentForm
from tend.decisions.views import client_today, show_field_error, this_client
from tend.services import decisions, insights, medications
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
        today = client_today()
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


def _render_experiment(item, add_form, status: int = 200):
    return render_template("decisions/experiment.html", experiment=item, today=client_today(),
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
    if reached and form.validate_on_submit():
        decisions.complete_checkpoint(
            db.session, this_client(), point, verdict=Verdict(form.verdict.data),
            reflection=form.reflection.data or "", next_step=form.next_step.data or "",
            now=clock.now())
        db.session.commit()
        flash(_("Saved. Your answer and these figures stay with the experiment."), "success")
        return redirect(url_for("decisions.checkpoint", experiment_id=item.id,
                                checkpoint_id=point.id))
    if request.method == "POST" and not reached:
        abort(409)
    comparison = decisions.compare(db.session, this_client(), item, point.due_on) \
        if reached else None
    return render_template(
        "decisions/checkpoint.html", experiment=item, checkpoint=point, form=form,
        reached=reached, comparison=comparison,
        charts=comparison_charts(comparison, f"cp{point.id}") if comparison else {}), \
        400 if form.errors else 200
