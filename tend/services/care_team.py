"""The client's care team: invitations, accepting them, what is shared, ending a link.

Invitation codes are single-use secrets: only their SHA-256 is stored, the code is shown to the
client once (and again only as a new code), and accepting or ending a link forgets the hash."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import (CareLink, CaregiverAlertSettings, Category, Grant, LinkStatus, LogAction,
                    Role, User)
from tend import access
from tend.formatting import duration_text, list_text, short_date
from tend.labels import CATEGORY_LABELS
from tend.services import lookup, throttle
from tend.services.errors import Conflict, FieldError

INVITE_TTL = timedelta(days=7)
# No 0/O or 1/I: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 60 bits: far beyond guessing within a week
ALERT_DELAYS = (15, 30, 60, 120, 240)
UNDO_END = timedelta(minutes=10)  # how long "Stop sharing" can be taken back
# Codes that match no invitation, per address: ten free, then a wait from 2 s up to 5 min.
CODE_GUESSES = throttle.Rule("invite", 10, timedelta(seconds=2), timedelta(minutes=5))


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def is_expired(link: CareLink, now: datetime) -> bool:
    return link.status is LinkStatus.PENDING and link.expires_at <= now


def display_status(link: CareLink, now: datetime) -> str:
    return "expired" if is_expired(link, now) else link.status.value


# --- The client's side -----------------------------------------------------------------------

def links_of(db: Session, client: User) -> list[CareLink]:
    return list(db.scalars(select(CareLink).where(CareLink.client_id == client.id)
                           .options(selectinload(CareLink.grants),
                                    selectinload(CareLink.supporter))
                           .order_by(CareLink.created_at.desc())))


def link_of(db: Session, client: User, link_id) -> CareLink | None:
    """The client's own link by id, or None (never someone else's)."""
    return lookup.owned(db, CareLink, client.id, link_id)


def invite(db: Session, client: User, role: Role, name: str, now: datetime
           ) -> tuple[CareLink, str]:
    """A pending link with a fresh code; returns (link, code). The code is never stored."""
    code = new_code()
    link = CareLink(client_id=client.id, role=role, status=LinkStatus.PENDING,
                    invitee_name=name.strip(), invite_code_hash=hash_code(code),
                    expires_at=now + INVITE_TTL, created_at=now)
    db.add(link)
    db.flush()
    with access.in_clients_language(client):
        access.log(client, client, LogAction.CHANGE, _("Care team"), now,
                   detail=_("Invited %(name)s", name=link.invitee_name))
    return link, code


def renew_code(link: CareLink, now: datetime) -> str:
    """A new code for a pending invitation; the old one stops working."""
    code = new_code()
    link.invite_code_hash, link.expires_at = hash_code(code), now + INVITE_TTL
    return code


def end(db: Session, link: CareLink, actor: User, now: datetime) -> None:
    """End an active link or withdraw an invitation; takes effect on the next request."""
    if link.status is LinkStatus.ENDED:
        return
    link.status, link.ended_at, link.invite_code_hash = LinkStatus.ENDED, now, None
    with access.in_clients_language(link.client):
        access.log(link.client, actor, LogAction.CHANGE, _("Care team"), now,
                   [g.category for g in link.grants],
                   _("Stopped sharing with %(name)s", name=link.name))
    db.flush()


def can_undo_end(link: CareLink, now: datetime) -> bool:
    """An accepted link the client stopped less than ``UNDO_END`` ago (a withdrawn
    invitation has lost its code: there is nothing to take back)."""
    return link.status is LinkStatus.ENDED and link.accepted_at is not None and \
        link.supporter_id is not None and link.ended_at is not None and \
        now - link.ended_at < UNDO_END


def undo_end(db: Session, link: CareLink, now: datetime) -> None:
    """Share again exactly as before stopping: the same person, the same grants."""
    if not can_undo_end(link, now):
        raise Conflict(_("Stopping can no longer be undone. You can invite %(name)s again.",
                         name=link.name))
    if access.active_link(link.supporter, link.client_id) is not None:
        raise Conflict(_("You're already connected with %(name)s again.", name=link.name))
    link.status, link.ended_at = LinkStatus.ACTIVE, None
    with access.in_clients_language(link.client):
        access.log(link.client, link.client, LogAction.CHANGE, _("Care team"), now,
                   [g.category for g in link.grants],
                   _("Started sharing again with %(name)s", name=link.name))
    db.flush()


@dataclass(frozen=True)
class Choice:
    """One category as the client picked it on the sharing form."""

    category: Category
    from_date: date | None = None
    until_date: date | None = None


def _describe(choice: Choice) -> str:
    parts = [str(CATEGORY_LABELS[choice.category])]
    if choice.from_date:
        parts.append(_("from %(day)s", day=short_date(choice.from_date)))
    if choice.until_date:
        parts.append(_("until %(day)s", day=short_date(choice.until_date)))
    return " ".join(parts)


def sharing_summary(link: CareLink) -> str:
    """What ``link``'s person sees, in one sentence: "Dr Lee sees: Sleep and Mood, from
    Nov 1, 2026." Categories shared over the same days are named together."""
    grants = {grant.category: grant for grant in link.grants}
    by_days: dict[tuple, list] = {}
    for category in access.GRANTABLE[link.role]:
        if category in grants:
            grant = grants[category]
            by_days.setdefault((grant.from_date, grant.until_date), []).append(
                CATEGORY_LABELS[category])
    if not by_days:
        return _("%(name)s sees nothing of yours yet.", name=link.name)
    parts = []
    for (first, until), labels in by_days.items():
        what = list_text(labels)
        if first and until:
            parts.append(_("%(what)s, from %(first)s until %(until)s", what=what,
                           first=short_date(first), until=short_date(until)))
        elif first:
            parts.append(_("%(what)s, from %(first)s", what=what, first=short_date(first)))
        elif until:
            parts.append(_("%(what)s, until %(until)s", what=what, until=short_date(until)))
        else:
            parts.append(what)
    return _("%(name)s sees: %(shared)s.", name=link.name, shared="; ".join(parts))


def set_grants(db: Session, link: CareLink, choices: list[Choice], now: datetime) -> bool:
    """Make the link's grants exactly ``choices``; log what changed. Returns True if any did."""
    allowed = access.GRANTABLE[link.role]
    if any(c.category not in allowed for c in choices):
        raise FieldError("categories", _("That can't be shared with this person."))
    wanted = {c.category: c for c in choices}
    current = {g.category: g for g in link.grants}
    added, changed, removed = [], [], []
    for category, grant in current.items():
        if category not in wanted:
            link.grants.remove(grant)
            removed.append(category)
    for category, choice in wanted.items():
        grant = current.get(category)
        if grant is None:
            link.grants.append(Grant(category=category, from_date=choice.from_date,
                                     until_date=choice.until_date, created_at=now))
            added.append(choice)
        elif (grant.from_date, grant.until_date) != (choice.from_date, choice.until_date):
            grant.from_date, grant.until_date = choice.from_date, choice.until_date
            changed.append(choice)
    if not (added or changed or removed):
        return False
    with access.in_clients_language(link.client):
        _log_grant_changes(link, added + changed, removed, now)
    db.flush()
    return True


def _log_grant_changes(link: CareLink, shared: list[Choice], removed: list[Category],
                       now: datetime) -> None:
    details = []
    if shared:
        details.append(_("Shared with %(name)s: %(what)s", name=link.name,
                         what=", ".join(_describe(c) for c in shared)))
    if removed:
        details.append(_("Stopped sharing with %(name)s: %(what)s", name=link.name,
                         what=", ".join(str(CATEGORY_LABELS[c]) for c in removed)))
    access.log(link.client, link.client, LogAction.CHANGE, _("What you share"), now,
               [c.category for c in shared] + removed, ". ".join(details))


def alert_settings(db: Session, link: CareLink) -> CaregiverAlertSettings:
    """The link's alert settings, added with the defaults if it has none yet."""
    settings = db.get(CaregiverAlertSettings, link.id)
    if settings is None:
        settings = shown_alert_settings(db, link)
        db.add(settings)
    return settings


def shown_alert_settings(db: Session, link: CareLink) -> CaregiverAlertSettings:
    """The link's alert settings to show on a page: the saved ones, or the defaults (not
    added to the session, so showing a page never writes)."""
    return db.get(CaregiverAlertSettings, link.id) or CaregiverAlertSettings(
        care_link_id=link.id, delay_minutes=60, paused=False)


def caregiver_links(db: Session, client: User) -> list[CareLink]:
    """The client's active caregiver links: the people alerts about unlogged doses can go to."""
    return [link for link in links_of(db, client)
            if link.role is Role.CAREGIVER and link.status is LinkStatus.ACTIVE]


def save_alerts(db: Session, link: CareLink, *, delay_minutes: int, paused: bool,
                now: datetime) -> None:
    """When ``link``'s caregiver is alerted about an unlogged dose, or that they aren't for
    now; a change goes into the client's access log."""
    saved = db.get(CaregiverAlertSettings, link.id)
    if saved is not None and (saved.delay_minutes, saved.paused) == (delay_minutes, paused):
        return
    settings = alert_settings(db, link)
    settings.delay_minutes, settings.paused = delay_minutes, paused
    with access.in_clients_language(link.client):
        access.log(link.client, link.client, LogAction.CHANGE, _("Alerts"), now,
                   detail=_("Alerts to %(name)s paused", name=link.name) if paused else
                   _("Alerts to %(name)s after %(delay)s", name=link.name,
                     delay=duration_text(timedelta(minutes=delay_minutes))))
    db.flush()


# --- The supporter's side -------------------------------------------------------------------

def find_invitation(db: Session, code: str, now: datetime) -> CareLink | None:
    """The pending, unexpired invitation with this code, or None."""
    if not normalize_code(code):
        return None
    link = db.scalar(select(CareLink).where(CareLink.invite_code_hash == hash_code(code)))
    if link is None or link.status is not LinkStatus.PENDING or is_expired(link, now):
        return None
    return link


def wait_before_code(db: Session, address: str, now: datetime) -> timedelta | None:
    """How long this address must wait before trying another code, or None."""
    return throttle.wait_left(db, CODE_GUESSES, throttle.address_key(address), now)


def count_wrong_code(db: Session, address: str, now: datetime) -> None:
    throttle.count(db, CODE_GUESSES, throttle.address_key(address), now)


def why_cannot_accept(db: Session, link: CareLink, supporter: User) -> str | None:
    if supporter.role is not link.role:
        if link.role is Role.THERAPIST:
            return _("This invitation is for a therapist's account. Please sign in with one, "
                     "or ask %(name)s for a caregiver invitation.", name=link.client.display_name)
        return _("This invitation is for a caregiver's account. Please sign in with one, "
                 "or ask %(name)s for a therapist invitation.", name=link.client.display_name)
    if access.active_link(supporter, link.client_id) is not None:
        return _("You're already connected with %(name)s.", name=link.client.display_name)
    return None


def accept(db: Session, link: CareLink, supporter: User, now: datetime) -> None:
    """Join the link. Nothing is shared yet: the client picks what to share."""
    link.supporter_id, link.status = supporter.id, LinkStatus.ACTIVE
    link.accepted_at, link.invite_code_hash = now, None
    db.flush()
    db.refresh(link)
    with access.in_clients_language(link.client):
        access.log(link.client, supporter, LogAction.CHANGE, _("Care team"), now,
                   detail=_("%(name)s accepted your invitation", name=supporter.display_name))
