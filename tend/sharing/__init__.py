from flask import Blueprint

from tend.labels import record_labels

bp = Blueprint("sharing", __name__, url_prefix="/sharing")
bp.context_processor(record_labels)  # "see as": the preview renders care/client.html

from tend.sharing import routes  # noqa: E402,F401
from tend.sharing import update_routes  # noqa: E402,F401
