"""The gentle line after a very low check-in: what counts as very low, and showing the line
at most once a day per client.

The line points to Get help and says that nobody is watching check-ins in real time. It is
shown to the client only: nothing here alerts, notifies or queues anything for a supporter.
"""
import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from models import CheckIn, User
from models.journal import CHECKIN_SCALES, SCALE_RANGE
from models.sharing import Category
from tend.services import schedule

# Very low: the lowest answer (1 of 5: "Very low", "Couldn't manage", "Very hard") for mood
# or for any everyday-life question. The offline page reads the same table (``as_json``).
VERY_LOW = {item.name: SCALE_RANGE[0] for item in CHECKIN_SCALES
            if item.category in (Category.MOOD, Category.FUNCTIONING)}


def is_very_low(answers: Mapping) -> bool:
    """Whether a check-in's answers ({field: value}) are very low on any of ``VERY_LOW``."""
    return any(answers.get(name) is not None and answers[name] <= lowest
               for name, lowest in VERY_LOW.items())


def as_json() -> str:
    """``VERY_LOW`` for the offline check-in form's script (static/js/offline-record.js)."""
    return json.dumps(VERY_LOW, sort_keys=True)


def claim_for(db: Session, client: User, checkin: CheckIn, now: datetime) -> bool:
    """Whether to show the line after ``checkin`` was saved: it is very low and the line has
    not been shown yet on the client's local today, on any device. Claimed with one
    conditional UPDATE, so two devices saving at once show it once."""
    if not is_very_low({name: getattr(checkin, name) for name in VERY_LOW}):
        return False
    today = schedule.local_today(client, now)
    claimed = db.execute(
        update(User).where(User.id == client.id,
                           or_(User.support_line_shown_on.is_(None),
                               User.support_line_shown_on != today))
        .values(support_line_shown_on=today)
        .execution_options(synchronize_session=False))
    return claimed.rowcount == 1
