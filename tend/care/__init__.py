from flask import Blueprint

from tend.labels import record_labels

bp = Blueprint("care", __name__, url_prefix="/care")
bp.context_processor(record_labels)  # the shared record's templates (care/_record.html)

from tend.care import routes  # noqa: E402,F401
