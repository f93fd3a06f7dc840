"""Structured logs: one JSON line per request, and per event a worker reports.

A request line says which route answered, how and how fast: the route's pattern
(``/api/v1/doses/<int:dose_id>``), never the path, query string, body, e-mail or anything about
someone's health, so logs can go to any log store without becoming health records."""
import json
import logging
import re
import sys
import time

from flask import g, request

REQUEST_LOGGER = "tend.requests"
EVENT_LOGGER = "tend.events"
# Paths whose last part is a secret (reset and sign-up tokens, invitation codes). A test checks
# that every route with a <token> or <code> in its path is listed.
SECRET_PATHS = ("/reset-password/", "/signup/confirm/", "/care/invite/")
_SECRET_IN_PATH = re.compile(
    "(" + "|".join(re.escape(p).replace("/", "(?:/|%2[fF])") for p in SECRET_PATHS) + ")"
    r"[^\s/?&#\"'%]+")


class JSONFormatter(logging.Formatter):
    """``{"ts": ..., "level": ..., "event": ..., <fields>}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                "level": record.levelname.lower(), "event": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, separators=(",", ":"), default=str)


JSONFormatter.converter = time.gmtime


def log_event(event: str, **fields) -> None:
    """Log one structured line, e.g. ``log_event("reminder_batch", claimed=40, sent=39)``.
    Fields must be counts, durations and ids, never names, e-mails or health details."""
    logging.getLogger(EVENT_LOGGER).info(event, extra={"fields": fields})


def hide_secrets(text: str) -> str:
    """``text`` with the secret in each such path (also inside ``?next=``) replaced by "…"."""
    return _SECRET_IN_PATH.sub(r"\1…", text)


class HideSecrets(logging.Filter):
    """On the development server's request log (werkzeug), which prints every path."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = hide_secrets(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


def hide_secrets_in_server_log() -> None:
    server_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, HideSecrets) for f in server_log.filters):
        server_log.addFilter(HideSecrets())


def _start_timer() -> None:
    g.tend_request_started = time.perf_counter()


def _log_request(response):
    started = g.pop("tend_request_started", None)
    rule = request.url_rule
    fields = {"method": request.method, "endpoint": request.endpoint,
              "route": rule.rule if rule else None, "status": response.status_code,
              "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None}
    logging.getLogger(REQUEST_LOGGER).info("request", extra={"fields": fields})
    return response


def configure_json_logging() -> None:
    """Send Tend's own loggers to stderr as JSON lines (once per process)."""
    tend_logger = logging.getLogger("tend")
    if any(isinstance(h.formatter, JSONFormatter) for h in tend_logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    tend_logger.addHandler(handler)
    tend_logger.setLevel(logging.INFO)
    tend_logger.propagate = False


def init_app(app) -> None:
    if not app.testing:
        configure_json_logging()
    hide_secrets_in_server_log()
    # The timer starts before every other before-request function (so it exists when one of
    # them, say the CSRF check, answers early) and stops after every other after-request one
    # (Flask runs those in reverse order of registration).
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request_funcs.setdefault(None, []).insert(0, _log_request)
