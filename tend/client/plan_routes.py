"""Step plans on the client's medication page: entering a taper or titration once, then
holding it, stepping back, pausing and resuming (rules in ``tend.services.step_plans``)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import db
from tend import clock
from tend.access import client_required
from tend.client import bp
from tend.client.forms import StepPlanForm
from tend.client.medication_routes import _dosing_today, _medication_or_404, _today
from tend.client.views import save_from_form
from tend.services import step_plans
from tend.services.errors import Conflict, FieldError


@bp.route("/medications/<int:medication_id>/plans/new", methods=["GET", "POST"])
@client_required
def plan_new(medication_id: int):
    med = _medication_or_404(medication_id)
    dosing = _dosing_today(med)
    form = StepPlanForm()
    if request.method == "GET":
        form.first_day.data = _today()
        form.start_amount.data = ""
    if form.validate_on_submit() and save_from_form(
            form, lambda: step_plans.create_plan(db.session, current_user, med,
                                                 form.plan_input(), clock.now()),
            back_on_conflict=url_for("client.medication", medication_id=med.id)):
        flash(_("Your plan is saved. Each step starts on its day; you can hold, step "
                "back or pause at any time."), "success")
        return redirect(url_for("client.medication", medication_id=med.id) + "#plan")
    return render_template("client/plan_form.html", form=form, medication=med,
                           dosing=dosing, regimen=dosing.regimen), \
        400 if form.errors else 200


_ACTIONS = {
    "hold": (step_plans.hold, lambda: _("Held. You stay at this step; no later step is "
                                        "planned.")),
    "step-back": (step_plans.step_back, lambda: _("Stepped back. The earlier amount applies "
                                                  "from now.")),
    "pause": (step_plans.pause, lambda: _("Paused. The next step waits until you resume "
                                          "the plan.")),
    "resume": (step_plans.resume, lambda: _("Resumed. The steps to come are planned again, "
                                            "later by the days the plan was paused.")),
}


@bp.post("/medications/<int:medication_id>/plans/<int:plan_id>/<action>")
@client_required
def plan_action(medication_id: int, plan_id: int, action: str):
    med = _medication_or_404(medication_id)
    plan = step_plans.plan_of(db.session, current_user, plan_id)
    if plan is None or plan.medication_id != med.id or action not in _ACTIONS:
        abort(404)
    change, message = _ACTIONS[action]
    try:
        change(db.session, current_user, plan, clock.now())
    except (Conflict, FieldError) as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(message(), "success")
    return redirect(url_for("client.medication", medication_id=med.id) + "#plan")


@bp.app_template_global()
def plan_on_page(med) -> dict:
    """What the medication page shows of its newest plan: its state and each step's (empty
    when it has none)."""
    plans = step_plans.plans_of(db.session, med)
    if not plans:
        return {}
    plan = plans[0]
    now = clock.now()
    current = step_plans.current_step(plan, now)
    today = _today()
    steps = []
    for step in plan.steps:
        if current is not None and step.ordinal < current.ordinal:
            state = "done"
        elif step is current:
            state = "now"
        elif step.regimen_id is not None:
            state = "planned"
        else:
            state = "not_planned"
        checkpoint = step_plans.checkpoint_on(step)
        steps.append({"step": step, "state": state, "checkpoint_on": checkpoint,
                      "ask": checkpoint is not None and step is current and today >= checkpoint})
    return {"plan": plan, "status": step_plans.status_of(plan, now), "steps": steps,
            "by_regimen": step_plans.steps_of_versions(db.session, current_user, med),
            "current": current, "can_step_back": current is not None}
