"""Prescriber updates: dated versions a therapist writes, which the client approves before
anyone may download or print them.

An update keeps the figures as they stood when it was saved (``content``), so the client
approves exactly what will be handed on. Editing it saves the figures afresh and asks for
approval again; once marked sent it no longer changes. A client may let a therapist's updates
go out without asking each time (``CareLink.updates_without_asking``)."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import CareLink, LinkStatus, User
from models.update import UPDATE_TEXT_LIMIT, PrescriberUpdate
from tend.services.errors import Conflict, FieldError


def _checked_text(name: str, text: str) -> str:
    text = (text or "").strip()
    if len(text) > UPDATE_TEXT_LIMIT:
        raise FieldError(name, _l("Use at most %(max)d characters.", max=UPDATE_TEXT_LIMIT))
    return text


def save_new(db: Session, link: CareLink, first: date, last: date, observations: str,
             questions: str, content: dict, now: datetime) -> PrescriberUpdate:
    update = PrescriberUpdate(
        client_id=link.client_id, care_link_id=link.id, author_id=link.supporter_id,
        author_name=link.supporter.display_name, first_day=first, last_day=last,
        observations=_checked_text("observations", observations),
        questions=_checked_text("questions", questions), content=content, created_at=now)
    db.add(update)
    return update


def edit(update: PrescriberUpdate, observations: str, questions: str, content: dict,
         now: datetime) -> None:
    if update.sent_at is not None:
        raise Conflict(str(_l("This update was marked sent, so it no longer changes.")))
    update.observations = _checked_text("observations", observations)
    update.questions = _checked_text("questions", questions)
    update.content = content
    update.edited_at = now
    update.approved_at = None  # the client approves the exact update: this is a new one


def may_hand_on(update: PrescriberUpdate) -> bool:
    """May it be downloaded, printed or sent: the client approved this version, or lets this
    therapist's updates go out without asking."""
    return update.approved_at is not None or update.care_link.updates_without_asking


def needs_approval(update: PrescriberUpdate) -> bool:
    return update.approved_at is None and not update.care_link.updates_without_asking


def mark_sent(update: PrescriberUpdate, now: datetime) -> None:
    if not may_hand_on(update):
        raise Conflict(str(_l("The client hasn't approved this update yet.")))
    if update.sent_at is None:
        update.sent_at = now


def approve(update: PrescriberUpdate, now: datetime) -> None:
    if update.approved_at is None:
        update.approved_at = now


def of_link(db: Session, link: CareLink) -> list[PrescriberUpdate]:
    """The updates written through this link, newest first."""
    return list(db.scalars(select(PrescriberUpdate)
                           .where(PrescriberUpdate.care_link_id == link.id)
                           .order_by(PrescriberUpdate.created_at.desc(),
                                     PrescriberUpdate.id.desc())))


def find_for_link(db: Session, link: CareLink, update_id) -> PrescriberUpdate | None:
    update = db.get(PrescriberUpdate, update_id) if isinstance(update_id, int) else None
    return update if update is not None and update.care_link_id == link.id else None


def for_client(db: Session, client: User) -> list[PrescriberUpdate]:
    """Updates about the client from therapists they are still connected with, newest
    first: those waiting for their answer are listed on their sharing pages."""
    return list(db.scalars(
        select(PrescriberUpdate).join(CareLink)
        .where(PrescriberUpdate.client_id == client.id, CareLink.status == LinkStatus.ACTIVE)
        .options(joinedload(PrescriberUpdate.care_link))
        .order_by(PrescriberUpdate.created_at.desc(), PrescriberUpdate.id.desc())))


def find_for_client(db: Session, client: User, update_id) -> PrescriberUpdate | None:
    return next((u for u in for_client(db, client) if u.id == update_id), None)
