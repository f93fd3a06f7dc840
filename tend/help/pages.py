"""What Get help shows, for the page online and for the copy kept on the phone for offline
use (the same words in both)."""
from babel.lists import format_list
from flask_babel import get_locale, gettext as _

from models import User, db
from tend.help.labels import KIND_LABELS, SERVICE_LABELS
from tend.services import help as help_rules
from tend.services.help import NOT_LISTED, EmergencyEntry, EmergencyNumber


def region_name(code: str | None) -> str:
    if not code or code == NOT_LISTED:
        return ""
    return get_locale().territories.get(code, code)


def number_text(number: EmergencyNumber) -> str:
    service = SERVICE_LABELS.get(number.service)
    return _("%(number)s (%(service)s)", number=number.number, service=service) \
        if service else number.number


def danger_sentence(entry: EmergencyEntry | None) -> str:
    """The one line on what to do in danger: numbers, never advice."""
    if entry is None:
        return _("If you or someone else is in danger now, call your local emergency number.")
    numbers = format_list([number_text(n) for n in entry.numbers], style="or",
                          locale=get_locale())
    return _("If you or someone else is in danger now, call %(numbers)s.", numbers=numbers)


def region_choices(derived: str | None) -> list[tuple[str, str]]:
    """"Worked out from the account", each region of the table by name, "somewhere else"."""
    automatic = _("Work it out from my time zone (%(region)s)", region=region_name(derived)) \
        if derived and derived in help_rules.emergency_table() else \
        _("Work it out from my time zone")
    listed = sorted(((code, region_name(code)) for code in help_rules.emergency_table()),
                    key=lambda choice: choice[1])
    return [("", automatic), *listed, (NOT_LISTED, _("Somewhere else"))]


def help_page(user: User) -> dict:
    region = help_rules.region_of(db.session, user)
    entry = region.emergency
    return {
        "region": region,
        "region_name": region_name(region.code),
        "emergency": entry,
        "danger_sentence": danger_sentence(entry),
        "contacts": help_rules.contacts_of(db.session, user),
    }


def offline_copy(user: User) -> dict:
    """What the phone keeps for Get help without a connection (static/js/help.js)."""
    page = help_page(user)
    entry = page["emergency"]
    return {
        "region": page["region"].code,
        "region_name": page["region_name"],
        "danger_sentence": page["danger_sentence"],
        "numbers": [{"number": n.number, "tel": n.number, "label": number_text(n)}
                    for n in (entry.numbers if entry else ())],
        "source": entry.source if entry else "",
        "contacts": [{"id": c.id, "kind": c.kind.value, "kind_label": str(KIND_LABELS[c.kind]),
                      "name": c.name, "phone": c.phone,
                      "tel": help_rules.dial_string(c.phone), "texting": c.texting,
                      "note": c.note} for c in page["contacts"]],
    }
