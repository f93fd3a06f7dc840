from flask import Blueprint

from tend.services import decisions, goals, insights

bp = Blueprint("decisions", __name__)
bp.add_app_template_global(decisions.measure_label, "measure_label")
bp.add_app_template_global(lambda verdict: decisions.VERDICT_LABELS[verdict], "verdict_label")
bp.add_app_template_global(insights.dose_text, "regimen_dose_text")
bp.add_app_template_global(decisions.experiment_label, "experiment_label")
bp.add_app_template_global(goals.measure_label, "goal_measure_label")
bp.add_app_template_global(lambda code: goals.DIRECTIONS[code], "goal_direction_label")

from tend.decisions import routes  # noqa: E402,F401
