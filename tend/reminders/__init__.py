"""Dose reminders: planning, claiming and sending them, the worker, and the settings pages."""
from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

from tend.reminders import confirm_routes, device_routes, routes  # noqa: E402,F401
