"""The pages that configure reminders: settings, devices, the undelivered list, and the
endpoint a notification's buttons call. The engine (tend.reminders) knows nothing of them;
the blueprint keeps the name ``reminders`` so its endpoints and URLs stay as they were."""
from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

from tend.reminder_pages import confirm_routes, device_routes, routes  # noqa: E402,F401
