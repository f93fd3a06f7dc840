"""Who may see what. Every access decision in Tend is made in this module.

A client always sees their own record. A therapist or caregiver sees a client's data only
through an active ``CareLink`` and only the categories the client granted, each within its
window (from the grant's "from" day through its "until" day, in the client's time zone).

The one rule for a supporter asking for a client's data, used by every care page:

- not signed in: sent to sign in (401 for the API);
- not a supporter, or no active link with this client (never linked, invitation still pending
  or expired, link ended, or no such client): **404**, exactly as if the client did not exist,
  so nothing about a person is revealed to someone they haven't chosen;
- an active link, but the category is not granted now (never picked, or past its "until"
  day), or the page is for the other supporter role: **403**;
- otherwise the data, queried in SQL through ``Window.dates``/``Window.moments`` so rows
  outside the grant are never even loaded.

Decisions are made on every request from the database, so a change of grants, a revocation
included, takes effect on the very next request."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from flask import abort, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required
from sqlalchemy import and_, insert, select, true
from sqlalchemy.orm import selectinload

from models import (AccessLogEntry, CareLink, Category, Grant, LinkStatus, LogAction, Role,
                    User, db)
from tend.i18n import locale_of
from tend.services import lookup

ROLE_HOMES = {
    Role.CLIENT: "client.today",
    Role.THERAPIST: "care.home",
    Role.CAREGIVER: "care.home",
}

# What each kind of supporter can be given. Data categories are listed in display order.
DATA_CATEGORIES = (Category.MEDICATIONS, Category.DOSE_LOG, Category.SIDE_EFFECTS,
                   Category.SLEEP, Category.ENERGY, Category.MOOD, Category.FUNCTIONING,
                   Category.NOTES, Category.QUESTIONS, Category.SAFETY_PLAN,
                   Category.CONTACTS)
GRANTABLE = {
    Role.THERAPIST: DATA_CATEGORIES,
    Role.CAREGIVER: DATA_CATEGORIES + (Category.MANAGE_REMINDERS,),
}


def home_url(user) -> str:
    return url_for(ROLE_HOMES[user.role])


def role_required(*roles: Role):
    """Signed in, and in one of ``roles``; anyone else gets 403 and no data."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


client_required = role_required(Role.CLIENT)
supporter_required = role_required(Role.THERAPIST, Role.CAREGIVER)


# --- Windows -----------------------------------------------------------------------------

def local_today(client: User, now: datetime) -> date:
    return now.astimezone(ZoneInfo(client.timezone)).date()


@dataclass(frozen=True)
class Window:
    """The days of one granted category a supporter may see, in the client's time zone.
    ``None`` on either side means open."""

    start: date | None
    end: date | None
    timezone: str

    def _moment(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=ZoneInfo(self.timezone))

    def dates(self, column):
        """SQL condition: a date column within the window."""
        return and_(column >= self.start if self.start else true(),
                    column <= self.end if self.end else true())

    def covers(self, day: date) -> bool:
        """The same as ``dates``, for one day in Python."""
        return (self.start is None or day >= self.start) and \
            (self.end is None or day <= self.end)

    @property
    def first_moment(self) -> datetime | None:
        """The first moment of the window's first local day (None: open)."""
        return self._moment(self.start) if self.start else None

    @property
    def end_moment(self) -> datetime | None:
        """The first moment after the window's last local day (None: open)."""
        return self._moment(self.end + timedelta(days=1)) if self.end else None

    def moments(self, column):
        """SQL condition: a UTC moment column within the window's local days."""
        return and_(column >= self.first_moment if self.start else true(),
                    column < self.end_moment if self.end else true())

    def clip(self, first: date, last: date) -> tuple[date, date]:
        """A requested period narrowed to the window (may come out empty: first > last)."""
        return max(first, self.start or first), min(last, self.end or last)


def grant_is_current(grant: Grant, today: date) -> bool:
    return grant.until_date is None or today <= grant.until_date


def window_of(grant: Grant, timezone: str) -> Window:
    return Window(grant.from_date, grant.until_date, timezone)


# --- The decision --------------------------------------------------------------------------

@dataclass
class Access:
    """What ``viewer`` may see of ``client`` right now, through ``link``."""

    viewer: User
    client: User
    link: CareLink
    windows: dict[Category, Window] = field(default_factory=dict)

    def has(self, category: Category | str) -> bool:
        return Category(category) in self.windows

    def window(self, category: Category | str) -> Window:
        return self.windows[Category(category)]

    @property
    def categories(self) -> list[Category]:
        return [c for c in Category if c in self.windows]

    @property
    def data_categories(self) -> list[Category]:
        return [c for c in DATA_CATEGORIES if c in self.windows]

    def require(self, category: Category | str) -> Window:
        if not self.has(category):
            abort(403)
        return self.window(category)


def access_for_link(link: CareLink, now: datetime) -> Access:
    """The access an active link gives its supporter now (also used for the client's preview)."""
    return _access_through(link, link.grants, now)


def _access_through(link: CareLink, grants, now: datetime) -> Access:
    """The access ``grants`` (the link's, as objects or rows) give its supporter now."""
    today = local_today(link.client, now)
    windows = {g.category: window_of(g, link.client.timezone)
               for g in grants if grant_is_current(g, today)}
    return Access(viewer=link.supporter, client=link.client, link=link, windows=windows)


def active_link(viewer: User, client_id) -> CareLink | None:
    """The viewer's active link with this client, if any."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or viewer.is_client:
        return None
    client_id = lookup.as_id(client_id)
    if client_id is None:
        return None
    return db.session.scalar(
        select(CareLink)
        .where(CareLink.client_id == client_id, CareLink.supporter_id == viewer.id,
               CareLink.status == LinkStatus.ACTIVE, CareLink.role == viewer.role)
        .options(selectinload(CareLink.grants)))


def access_of(viewer: User, client_id, now: datetime) -> Access | None:
    link = active_link(viewer, client_id)
    return access_for_link(link, now) if link else None


def can_see(viewer: User, client: User, category: Category, now: datetime) -> bool:
    """May ``viewer`` see any of ``client``'s ``category`` now? A client sees their own."""
    if viewer.id == client.id:
        return True
    access = access_of(viewer, client.id, now)
    return access is not None and access.has(category)


def visible_window(viewer: User, client: User, category: Category,
                   now: datetime) -> Window | None:
    """The days of ``category`` the viewer may see, or None when they may see none."""
    if viewer.id == client.id:
        return Window(None, None, client.timezone)
    access = access_of(viewer, client.id, now)
    return access.windows.get(category) if access else None


def require(viewer: User, client_id, now: datetime, category: Category | None = None,
            role: Role | None = None) -> Access:
    """The viewer's access to a client, or abort: 404 without an active link, 403 when the
    link doesn't cover ``category`` or the page is for another ``role``."""
    access = access_of(viewer, client_id, now)
    if access is None:
        abort(404)
    if role is not None and viewer.role is not role:
        abort(403)
    if category is not None:
        access.require(category)
    return access


def supporters_accesses(viewer: User, now: datetime) -> list[Access]:
    """The access each of the viewer's active links gives now, in the order they were
    accepted, with the clients loaded. A caseload holds hundreds of grants: they are read as
    plain rows, not objects (``link.grants`` stays unloaded)."""
    links = db.session.scalars(
        select(CareLink)
        .where(CareLink.supporter_id == viewer.id, CareLink.status == LinkStatus.ACTIVE,
               CareLink.role == viewer.role)
        .options(selectinload(CareLink.client))
        .order_by(CareLink.accepted_at)).all()
    if not links:
        return []
    grants = defaultdict(list)
    for grant in db.session.execute(
            select(Grant.care_link_id, Grant.category, Grant.from_date, Grant.until_date)
            .where(Grant.care_link_id.in_([link.id for link in links]))):
        grants[grant.care_link_id].append(grant)
    return [_access_through(link, grants[link.id], now) for link in links]


# --- The access log ------------------------------------------------------------------------

def in_clients_language(client: User):
    """The access log is the client's to read: its entries are written in their language."""
    return force_locale(locale_of(client))


def log(client: User, actor: User, action: LogAction, page: str, now: datetime,
        categories=(), detail: str = "") -> None:
    db.session.add(AccessLogEntry(
        client_id=client.id, viewer_id=actor.id, viewer_name=actor.display_name,
        action=action, categories=[Category(c).value for c in categories], page=page[:120],
        detail=detail[:300], at=now))


def log_view(access: Access, page: str, now: datetime, categories=None) -> None:
    """One row for one page of the client's data seen by a supporter."""
    shown = access.data_categories if categories is None else categories
    log(access.client, access.viewer, LogAction.VIEW, page, now, shown)


def log_list_views(accesses: list[Access], page, detail, now: datetime) -> None:
    """One row per client in a list a supporter saw (their caseload), in each client's
    language, written in one statement however long the list. ``page()`` and ``detail()``
    give the texts once the client's language is in force."""
    texts = {}  # language: (page, detail), worked out once for each language in the list
    rows = []
    for access in accesses:
        language = locale_of(access.client)
        if language not in texts:
            with force_locale(language):
                texts[language] = (page()[:120], detail()[:300])
        rows.append({"client_id": access.client.id, "viewer_id": access.viewer.id,
                     "viewer_name": access.viewer.display_name, "action": LogAction.VIEW,
                     "categories": [c.value for c in access.data_categories],
                     "page": texts[language][0], "detail": texts[language][1], "at": now})
    if rows:
        db.session.execute(insert(AccessLogEntry), rows)


def who_may_see(client: User, category: Category, now: datetime) -> list[CareLink]:
    """The client's active links through which ``category`` is shared now: the people a
    page of the client's names under "who can see this"."""
    links = db.session.scalars(
        select(CareLink)
        .where(CareLink.client_id == client.id, CareLink.status == LinkStatus.ACTIVE)
        .options(selectinload(CareLink.grants), selectinload(CareLink.supporter))
        .order_by(CareLink.accepted_at))
    return [link for link in links if access_for_link(link, now).has(category)]
