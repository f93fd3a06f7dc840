"""How each shareable category is named and explained to the client and their care team."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from models import Category
from models.journal import CHECKIN_FIELD
from tend import formatting

CATEGORY_LABELS = {
    Category.MEDICATIONS: _l("Medications and adherence"),
    Category.DOSE_LOG: _l("Dose log"),
    Category.SIDE_EFFECTS: _l("Side effects"),
    Category.SLEEP: _l("Sleep"),
    Category.ENERGY: _l("Energy"),
    Category.MOOD: _l("Mood"),
    Category.FUNCTIONING: _l("Everyday life"),
    Category.NOTES: _l("Check-in notes"),
    Category.QUESTIONS: _l("Questions and experiments"),
    Category.MANAGE_REMINDERS: _l("Help with reminders"),
    Category.SAFETY_PLAN: _l("My plan for hard times"),
    Category.CONTACTS: _l("Help contacts"),
}

CATEGORY_HINTS = {
    Category.MEDICATIONS: _l("Your medications, their changes, today's schedule and which "
                             "doses are logged."),
    Category.DOSE_LOG: _l("Each dose you logged, with its time, and any reason or note you "
                          "gave."),
    Category.SIDE_EFFECTS: _l("Side effects you noted, how strong they were and when."),
    Category.SLEEP: _l("Hours and quality of sleep from your check-ins."),
    Category.ENERGY: _l("Your energy from your check-ins."),
    Category.MOOD: _l("Your mood from your check-ins."),
    Category.FUNCTIONING: _l("How work, relationships and self-care went."),
    Category.NOTES: _l("The notes you write with your daily check-ins."),
    Category.QUESTIONS: _l("Questions you'd like to bring up and experiments you try."),
    Category.MANAGE_REMINDERS: _l("Can set up and adjust your reminder times and quiet hours. "
                                  "You'll see every change they make."),
    Category.SAFETY_PLAN: _l("Your warning signs, what helps you and who you'd contact, as "
                             "you wrote them. They can read it, not change it."),
    Category.CONTACTS: _l("The people and lines you listed on Get help, with their phone "
                          "numbers and notes, on the days you share them."),
}

SEVERITY_LABELS = {"none": _l("none"), "mild": _l("mild"), "moderate": _l("moderate"),
                   "severe": _l("severe")}
SKIP_REASON_LABELS = {"forgot": _l("forgot"), "chose_not_to": _l("chose not to"),
                      "side_effects": _l("because of side effects"), "ran_out": _l("ran out"),
                      "cost": _l("because of the cost"),
                      "pharmacy": _l("couldn't get it from the pharmacy"),
                      "away_from_home": _l("away from home"),
                      "worried": _l("worried about it"), "other": _l("other reason")}


def _value(item) -> str:
    return getattr(item, "value", item)


def number(value) -> str:
    """A measurement as the viewer's locale writes it, with at most one decimal."""
    return formatting.number(round(Decimal(str(value)), 1).normalize())


def record_labels() -> dict:
    """Template helpers for showing a shared record."""
    return {
        "severity_label": lambda severity: SEVERITY_LABELS[_value(severity)],
        "skip_reason_label": lambda reason: SKIP_REASON_LABELS[_value(reason)],
        "field_label": lambda name: CHECKIN_FIELD[name].label,
        "number": number,
    }
