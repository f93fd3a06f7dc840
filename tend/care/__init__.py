from flask import Blueprint

from tend.sharing.labels import record_labels

bp = Blueprint("care", __name__, url_prefix="/care")
bp.app_context_processor(record_labels)

from tend.care import routes  # noqa: E402,F401
