"""Work done after a page has answered, so that its answer time tells nothing.

The sign-up and forgot-password pages answer the same whether or not an e-mail address has an
account. Looking the address up, writing a token and sending mail happen here instead, in one
background thread per process, each job in an app context of its own (with a request context
on ``TEND_BASE_URL`` for ``url_for``, and the language the mail should be written in). A job
that fails is logged; the page has answered already. Jobs still queued when a process stops
are lost, as an unsent mail would be: the person asks again."""
import logging
import os
import queue
import threading

from flask import current_app
from flask_babel import force_locale

from models import db
from tend.database import writes_intended

log = logging.getLogger(__name__)
_jobs: queue.Queue = queue.Queue()
_worker: dict = {}


def later(job, *args, locale: str | None = None) -> None:
    """Run ``job(*args)`` soon, off this request."""
    _jobs.put((current_app._get_current_object(), job, args, locale))
    _ensure_worker()


def _ensure_worker() -> None:
    thread = _worker.get(os.getpid())  # a forked process starts its own
    if thread is None or not thread.is_alive():
        thread = threading.Thread(target=_work, name="tend-deferred", daemon=True)
        _worker[os.getpid()] = thread
        thread.start()


def _work() -> None:
    while True:
        app, job, args, locale = _jobs.get()
        try:
            with app.test_request_context(base_url=app.config["TEND_BASE_URL"]), \
                    force_locale(locale or app.config["BABEL_DEFAULT_LOCALE"]), \
                    writes_intended():
                try:
                    job(*args)
                except Exception:  # noqa: BLE001 - one failed job never stops the next
                    db.session.rollback()
                    log.exception("deferred job failed", extra={"job": job.__name__})
        finally:
            _jobs.task_done()


def wait_until_done() -> None:
    """Block until every queued job has run (tests and the CLI)."""
    _jobs.join()
