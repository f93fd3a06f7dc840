"""Get help: the client's own contacts, and the emergency number for where they are.

The emergency numbers come from ``emergency_numbers.json`` (one public source per entry). The
region is the one the client chose on Get help, else the country of the zone they are in now
(CLDR's zone-to-territory table, shipped with Babel), else their locale's territory. Tend
gives no advice of its own here: it shows numbers and the client's own words."""
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import HelpContact, HelpContactKind, HelpSettings, User
from models.help import NAME_LIMIT, NOTE_LIMIT, PHONE_LIMIT
from tend.services import lookup
from tend.services.errors import FieldError, raise_any

EMERGENCY_FILE = Path(__file__).with_name("emergency_numbers.json")
NOT_LISTED = "ZZ"  # the client's region isn't in the table: "your local emergency number"
KIND_ORDER = list(HelpContactKind)

# Digits, spaces, dashes and parentheses, with an optional + in front; at least 3 digits
# (short numbers such as 111 or 988 are real crisis lines).
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-]+$")
PHONE_MIN_DIGITS = 3
PHONE_MESSAGE = _l("Use only digits, spaces, dashes and brackets, with + in front if you "
                   "like. For example: +44 20 7946 0000.")
PHONE_TOO_SHORT = _l("A phone number has at least 3 digits.")


# --- Emergency numbers -----------------------------------------------------------------------

@dataclass(frozen=True)
class EmergencyNumber:
    number: str
    service: str  # emergency, police, ambulance, fire, ambulance_fire


@dataclass(frozen=True)
class EmergencyEntry:
    region: str
    numbers: tuple[EmergencyNumber, ...]
    source: str
    url: str


@cache
def emergency_table() -> dict[str, EmergencyEntry]:
    data = json.loads(EMERGENCY_FILE.read_text(encoding="utf-8"))
    table = {}
    for entry in data["entries"]:
        numbers = tuple(EmergencyNumber(n["number"], n["service"]) for n in entry["numbers"])
        for region in entry["regions"]:
            if region in table:
                raise ValueError(f"{EMERGENCY_FILE.name}: {region} is listed twice")
            table[region] = EmergencyEntry(region, numbers, entry["source"], entry["url"])
    return table


def emergency_for(region: str | None) -> EmergencyEntry | None:
    return emergency_table().get(region) if region else None


# --- The region --------------------------------------------------------------------------------

def region_of_zone(zone: str | None) -> str | None:
    """The country a time zone is in ("Europe/Berlin" -> "DE"); None for zones of no
    country (UTC) or unknown names."""
    if not zone:
        return None
    canonical = get_global("zone_aliases").get(zone, zone)
    territory = get_global("zone_territories").get(canonical)
    return territory if territory and territory.isalpha() and territory != NOT_LISTED else None


def region_of_locale(locale: str | None) -> str | None:
    try:
        return Locale.parse(locale or "").territory
    except (ValueError, UnknownLocaleError):
        return None


def derived_region(user: User) -> str | None:
    """Where the client is now, as far as the account says: the zone they are in (while
    travelling, the zone they travel in), else their home zone, else their locale."""
    return (region_of_zone(user.zone_here) or region_of_zone(user.timezone)
            or region_of_locale(user.locale))


@dataclass(frozen=True)
class Region:
    code: str | None  # None: unknown
    chosen: bool      # the client picked it (else derived from the account)

    @property
    def emergency(self) -> EmergencyEntry | None:
        return emergency_for(self.code)


def region_of(db: Session, user: User) -> Region:
    settings = db.get(HelpSettings, user.id)
    if settings is not None and settings.region:
        return Region(settings.region, chosen=True)
    return Region(derived_region(user), chosen=False)


def choose_region(db: Session, user: User, code: str | None) -> None:
    """``code``: a region of the table, ``NOT_LISTED``, or None to derive it again."""
    if code and code != NOT_LISTED and code not in emergency_table():
        raise FieldError("region", str(_l("Choose a country or region from the list.")))
    settings = db.get(HelpSettings, user.id) or HelpSettings(client_id=user.id)
    settings.region = code or None
    db.add(settings)


# --- Contacts ----------------------------------------------------------------------------------

def check_phone(text: str) -> str:
    """The number as the client wrote it (spaces tidied), or a FieldError at ``phone``."""
    phone = " ".join((text or "").split())
    if not PHONE_PATTERN.match(phone):
        raise FieldError("phone", str(PHONE_MESSAGE))
    if sum(c.isdigit() for c in phone) < PHONE_MIN_DIGITS:
        raise FieldError("phone", str(PHONE_TOO_SHORT))
    if len(phone) > PHONE_LIMIT:
        raise FieldError("phone", str(_l("Use at most %(max)d characters.", max=PHONE_LIMIT)))
    return phone


def dial_string(phone: str) -> str:
    """What a ``tel:``/``sms:`` link dials: the digits, with a leading + kept."""
    digits = "".join(c for c in phone if c.isdigit())
    return ("+" + digits) if phone.strip().startswith("+") else digits


@dataclass(frozen=True)
class ContactInput:
    kind: HelpContactKind
    name: str
    phone: str
    texting: bool = False
    note: str = ""

    def checked(self) -> "ContactInput":
        name, note, errors = (self.name or "").strip(), (self.note or "").strip(), []
        if not name:
            errors.append(FieldError("name", str(_l("Enter a name, so you know who this is."))))
        elif len(name) > NAME_LIMIT:
            errors.append(FieldError("name", str(_l("Use at most %(max)d characters.",
                                                    max=NAME_LIMIT))))
        phone = ""
        try:
            phone = check_phone(self.phone)
        except FieldError as error:
            errors.append(error)
        if len(note) > NOTE_LIMIT:
            errors.append(FieldError("note", str(_l("Use at most %(max)d characters.",
                                                    max=NOTE_LIMIT))))
        raise_any(errors)  # all at once
        return ContactInput(HelpContactKind(self.kind), name, phone, bool(self.texting), note)


def contacts_of(db: Session, client: User) -> list[HelpContact]:
    """The client's contacts, by kind (prescriber first), then in the order added."""
    found = db.scalars(select(HelpContact).where(HelpContact.client_id == client.id)
                       .order_by(HelpContact.id)).all()
    return sorted(found, key=lambda contact: KIND_ORDER.index(contact.kind))


def contact_of(db: Session, client: User, contact_id) -> HelpContact | None:
    """One of the client's own contacts (None for anyone else's, or none)."""
    return lookup.owned(db, HelpContact, client.id, contact_id)


def add_contact(db: Session, client: User, data: ContactInput, now: datetime) -> HelpContact:
    data = data.checked()
    contact = HelpContact(client_id=client.id, kind=data.kind, name=data.name,
                          phone=data.phone, texting=data.texting, note=data.note,
                          created_at=now, updated_at=now)
    db.add(contact)
    db.flush()
    return contact


def update_contact(contact: HelpContact, data: ContactInput, now: datetime) -> None:
    data = data.checked()
    contact.kind, contact.name, contact.phone = data.kind, data.name, data.phone
    contact.texting, contact.note, contact.updated_at = data.texting, data.note, now
