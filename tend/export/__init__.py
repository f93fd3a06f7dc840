from flask import Blueprint

bp = Blueprint("export", __name__)

from tend.export import routes  # noqa: E402,F401
