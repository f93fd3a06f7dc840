"""When "Taken" asks first: the one rule for Today (server and script) and the offline page.

Tapping "Taken" on a dose long before its time is more often the wrong row (the evening dose
in the morning) than an early dose, so Tend asks once: "This is the 8:00 PM dose. Log it as
taken now?". It never blocks, and the JSON API never asks. Later than planned does not ask:
logging a dose late is common and is what the person meant."""
from datetime import datetime, timedelta

ASK_IF_EARLIER_THAN = timedelta(hours=3)


def asks_before_taken(due_at: datetime, now: datetime) -> bool:
    """True when "Taken now" would be more than ASK_IF_EARLIER_THAN before the dose's time."""
    return due_at - now > ASK_IF_EARLIER_THAN


def ask_minutes() -> int:
    """The rule for the pages' script (data-ask-minutes)."""
    return int(ASK_IF_EARLIER_THAN.total_seconds() // 60)
