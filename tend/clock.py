"""The one place views read the time, so tests (and the demo) can set the clock.

Domain services never call this: they take ``now`` as an argument."""
from datetime import datetime

from flask import current_app

from models.base import utcnow


def now() -> datetime:
    return current_app.config.get("TEND_CLOCK", utcnow)()
