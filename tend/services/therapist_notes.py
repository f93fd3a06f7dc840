"""A therapist's session notes about a client: written, edited and removed only by their
author, always readable by the client (on Sharing, "Notes from your therapist")."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import LogAction, TherapistNote, User
from tend import access
from tend.formatting import short_date
from tend.services import lookup


def notes_about(db: Session, client: User, therapist: User | None = None) -> list[TherapistNote]:
    query = select(TherapistNote).where(TherapistNote.client_id == client.id)
    if therapist is not None:
        query = query.where(TherapistNote.therapist_id == therapist.id)
    return list(db.scalars(query.order_by(TherapistNote.created_at.desc())))


def add_note(db: Session, therapist: User, client: User, text: str, now: datetime
             ) -> TherapistNote:
    note = TherapistNote(therapist_id=therapist.id, therapist_name=therapist.display_name,
                         client_id=client.id, text=text.strip(), created_at=now)
    db.add(note)
    db.flush()
    return note


def note_of(db: Session, therapist: User, client: User, note_id) -> TherapistNote | None:
    """A note this therapist wrote about this client, or None (never another's)."""
    note = lookup.owned(db, TherapistNote, client.id, note_id)
    return note if note is not None and note.therapist_id == therapist.id else None


def edit_note(note: TherapistNote, text: str, now: datetime) -> None:
    """The client sees that the note was edited, and when."""
    if text.strip() != note.text:
        note.text, note.edited_at = text.strip(), now


def remove_note(db: Session, note: TherapistNote, therapist: User, client: User,
                now: datetime) -> None:
    """Removing a note (say, one written about the wrong person) leaves a line in the
    client's access log: the note is gone, the fact that there was one is not."""
    with access.in_clients_language(client):
        access.log(client, therapist, LogAction.CHANGE, _("Session notes"), now,
                   detail=_("Removed a session note written %(when)s",
                            when=short_date(note.created_at.astimezone(
                                ZoneInfo(client.timezone)).date())))
    db.delete(note)
