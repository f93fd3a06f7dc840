from flask import Blueprint

bp = Blueprint("sharing", __name__, url_prefix="/sharing")

from tend.sharing import routes  # noqa: E402,F401
