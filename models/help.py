"""The client's own help contacts and the region their emergency number is looked up for.

Entered by the client on Get help (/help); supporters see the contacts only with the
"Help contacts" grant."""
import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow, value_enum


class HelpContactKind(str, enum.Enum):
    """Listed on Get help in this order."""

    PRESCRIBER = "prescriber"
    THERAPIST = "therapist"
    TRUSTED_PERSON = "trusted_person"
    CRISIS_LINE = "crisis_line"


PHONE_LIMIT = 40
NAME_LIMIT = 80
NOTE_LIMIT = 300


class HelpContact(db.Model):
    """One person or service the client wants at hand when things are hard."""

    __tablename__ = "help_contacts"
    __table_args__ = (Index("ix_help_contacts_client_kind", "client_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[HelpContactKind] = mapped_column(value_enum(HelpContactKind, "help_contact_kind"))
    name: Mapped[str] = mapped_column(String(NAME_LIMIT))
    # As the client wrote it ("+44 20 7946 0000"); links use only its digits and leading +.
    phone: Mapped[str] = mapped_column(String(PHONE_LIMIT))
    texting: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(NOTE_LIMIT), default="")  # e.g. opening hours
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HelpSettings(db.Model):
    """The region whose emergency number Get help shows, when the client chose one.
    No row (or no region) means: worked out from the account's time zone."""

    __tablename__ = "help_settings"

    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           primary_key=True)
    # ISO 3166 code ("GB"), or "ZZ" for a region the client says isn't listed.
    region: Mapped[str | None] = mapped_column(String(2))


__all__ = ["HelpContact", "HelpContactKind", "HelpSettings"]
