"""Friendly error pages, and JSON errors for the API."""
from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from models import db

MESSAGES = {
    400: (_l("Something in that request wasn't right"),
          _l("Please go back and try again.")),
    403: (_l("This page isn't yours to see"),
          _l("Your account doesn't have access to it. If someone meant to share it with you, "
             "ask them to check what they shared.")),
    404: (_l("We couldn't find that page"),
          _l("It may have moved, or the link may be incomplete.")),
    405: (_l("That didn't work"), _l("Please go back and try again.")),
    413: (_l("That was too much to send at once"), _l("Please try something smaller.")),
    429: (_l("Please slow down a little"), _l("Wait a moment, then try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you entered before this moment is lost. Please try again in a minute.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def _render(code: int, title, message, error: str, headers=()):
    if _wants_json():
        return jsonify(error=error, message=str(message)), code, headers
    return render_template("errors/error.html", code=code, title=title, message=message), \
        code, headers


def handle_http_error(exc: HTTPException):
    code = exc.code or 500
    title, message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    # The exception's own headers (a 405's Allow, a 429's Retry-After), not its HTML type.
    headers = [(name, value) for name, value in exc.get_headers()
               if name.lower() != "content-type"]
    return _render(code, title, message, (exc.name or "error").lower().replace(" ", "_"),
                   headers)


def handle_csrf_error(exc: CSRFError):
    return _render(400, _l("This form has expired"),
                   _l("For your security, forms stop working after a while or when you sign "
                      "in again. Please go back, reload the page and send it again."),
                   "csrf_failed")


def handle_server_error(exc):
    db.session.rollback()
    title, message = MESSAGES[500]
    return _render(500, title, message, "server_error")


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
