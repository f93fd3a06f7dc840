"""Get help: one tap from every client page, online and offline."""
from flask import Blueprint

bp = Blueprint("help", __name__)

from tend.help import routes  # noqa: E402,F401
from tend.help import plan_routes  # noqa: E402,F401
