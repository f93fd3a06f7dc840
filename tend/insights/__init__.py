"""Insights: the client's charts over 7, 30 or 90 days. The chart partial
(templates/insights/_charts.html) is also used by the care views, with only what was shared."""
from flask import Blueprint

from tend import charts
from tend.services.insights import CHART_MIN_DAYS, SEVERITY_NAMES

bp = Blueprint("insights", __name__)

bp.add_app_template_global(charts.PeriodCharts, "chart_period")
bp.add_app_template_global(charts.dose_sentences, "chart_dose_sentences")
bp.add_app_template_global(SEVERITY_NAMES, "insights_severity_names")
bp.add_app_template_global(CHART_MIN_DAYS, "chart_min_days")

from tend.insights import routes  # noqa: E402,F401
