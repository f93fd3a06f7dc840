"""A new client's guided start (/start): the first medication, reminders on this device,
installing Tend, the first check-in. Skippable and resumable: Today shows where it stands."""
from flask import Blueprint

bp = Blueprint("start", __name__, url_prefix="/start")

from tend.guided_start import routes  # noqa: E402,F401
