from flask import Blueprint

from tend.services import decisions, insights

bp = Blueprint("decisions", __name__)
bp.add_app_template_global(decisions.measure_label, "measure_label")
bp.add_app_template_global(lambda verdict: decisions.VERDICT_LABELS[verdict], "verdict_label")
bp.add_app_template_global(insights.dose_text, "regimen_dose_text")
bp.add_app_template_global(lambda kind: decisions.KIND_LABELS[kind], "experiment_kind_label")

from tend.decisions import routes  # noqa: E402,F401
