"""The navigation each role sees: a short bottom bar on phones, a top bar on wider screens."""
from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    sections: tuple[str, ...]  # endpoint prefixes that mark the item as current


ACCOUNT_PAGES = ("auth.account", "auth.change_password")

NAVIGATION = {
    Role.CLIENT: [
        NavItem("client.today", _l("Today"), "today", ("client.today",)),
        NavItem("auth.account", _l("Account"), "account", ACCOUNT_PAGES),
    ],
    Role.THERAPIST: [
        NavItem("care.home", _l("Clients"), "people", ("care.",)),
        NavItem("auth.account", _l("Account"), "account", ACCOUNT_PAGES),
    ],
    Role.CAREGIVER: [
        NavItem("care.home", _l("People"), "people", ("care.",)),
        NavItem("auth.account", _l("Account"), "account", ACCOUNT_PAGES),
    ],
}


def navigation_context() -> dict:
    if not current_user.is_authenticated:
        return {"nav_items": [], "nav_current": None}
    items = NAVIGATION[current_user.role]
    endpoint = request.endpoint or ""
    current = next((item for item in items if endpoint.startswith(item.sections)), None)
    return {"nav_items": items, "nav_current": current}


def init_app(app) -> None:
    app.context_processor(navigation_context)
