"""The navigation each role sees: a short bottom bar on phones, a top bar on wider screens."""
from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user

from models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    sections: tuple[str, ...]  # endpoint prefixes that mark the item as current


ACCOUNT_PAGES = ("auth.account", "auth.change_password")


@dataclass(frozen=True)
class MoreLink:
    """A line on the client's More page; shown only once its endpoint exists."""
    endpoint: str
    label: object
    description: object
    icon: str


# Other areas add their client pages here (the More page skips endpoints that don't exist).
MORE_LINKS = [
    MoreLink("help.plan", _l("My plan for hard times"),
             _l("Your warning signs, what helps and who to contact, in your own words."),
             "leaf"),
    MoreLink("sharing.team", _l("Sharing"),
             _l("Choose who may see what, and see who looked."), "share"),
    MoreLink("reminders.settings", _l("Reminders"),
             _l("Dose and check-in reminders on this phone."), "bell"),
    MoreLink("decisions.appointment", _l("Appointment prep"),
             _l("Questions and notes for your next appointment."), "history"),
    MoreLink("decisions.experiments", _l("Trying a change"),
             _l("Compare how you were before and after a change you agreed on."), "insights"),
    MoreLink("export.overview", _l("Export"), _l("Download your record."), "share"),
    MoreLink("auth.account", _l("Account"),
             _l("Your name, time zone, password and signed-in devices."), "account"),
]

NAVIGATION = {
    Role.CLIENT: [
        # Today's check-in and a new side effect are reached from Today; a past day's
        # check-in and a recorded side effect from History (``page_section``).
        NavItem("client.today", _l("Today"), "today",
                ("client.today", "client.dose_", "client.checkin", "client.side_effect_new",
                 "start.")),
        NavItem("client.medications_list", _l("Meds"), "meds", ("client.medication",)),
        NavItem("client.history", _l("History"), "history",
                ("client.history", "client.side_effect", "client.past_checkin")),
        NavItem("insights.overview", _l("Insights"), "insights", ("insights.",)),
        NavItem("client.more", _l("More"), "more",
                ("client.more", "sharing.", "reminders.", "decisions.", "export.", "help.plan",
                 *ACCOUNT_PAGES)),
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


def page_section() -> str:
    """The endpoint the navigation reads: a check-in for a named day is History's page."""
    endpoint = request.endpoint or ""
    if endpoint == "client.checkin" and (request.view_args or {}).get("day"):
        return "client.past_checkin"
    return endpoint


@dataclass(frozen=True)
class NavLink:
    """An item as the bar shows it: its address and its label in the page's language."""
    item: NavItem
    href: str
    label: str


def nav_links(role: Role) -> tuple[NavLink, ...]:
    """The role's bar, the same for everyone of the role reading one language: made once per
    language (and address the app is mounted at) and kept on the app."""
    kept = current_app.extensions["tend_nav_links"]
    key = (role, str(get_locale()), request.script_root)
    links = kept.get(key)
    if links is None:
        links = kept[key] = tuple(
            NavLink(item, url_for(item.endpoint), str(item.label)) for item in NAVIGATION[role]
            if item.endpoint in current_app.view_functions)  # e.g. Insights, once it exists
    return links


def navigation_context() -> dict:
    if not current_user.is_authenticated:
        return {"nav_links": (), "nav_current": None}
    links = nav_links(current_user.role)
    endpoint = page_section()
    current = next((link.item for link in links if endpoint.startswith(link.item.sections)),
                   None)
    return {"nav_links": links, "nav_current": current}


def init_app(app) -> None:
    app.extensions["tend_nav_links"] = {}
    app.context_processor(navigation_context)
