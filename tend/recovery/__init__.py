from flask import Blueprint

bp = Blueprint("recovery", __name__)

from tend.recovery import routes  # noqa: E402,F401
