"""What a therapist brings to the prescriber, and what a caregiver notices in daily life.

A ``PrescriberUpdate`` is one dated version of an update about one client for one period: the
figures as they stood when it was saved (``content``, drawn only from what the client shared),
with the therapist's own observations and questions next to them. It can be edited until it
is marked sent; each edit asks for the client's approval again (``approved_at`` is cleared),
because the client approves the exact update before anyone may download or print it.

A ``CaregiverObservation`` is a caregiver's note about daily life. Nobody but its author and
the client sees it until the client approves it; then the client's therapists see it, and
updates list it as a caregiver's observation."""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.account import User
from models.base import UTCDateTime, db, utcnow, value_enum
from models.sharing import CareLink

UPDATE_TEXT_LIMIT = 4000       # characters, each of the therapist's two fields
OBSERVATION_LIMIT = 2000       # characters


class PrescriberUpdate(db.Model):
    __tablename__ = "prescriber_updates"
    __table_args__ = (Index("ix_prescriber_updates_client_created", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    care_link_id: Mapped[int] = mapped_column(
        ForeignKey("care_links.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(80))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    observations: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    care_link: Mapped[CareLink] = relationship()

    @property
    def saved_at(self) -> datetime:
        return self.edited_at or self.created_at


class ObservationStatus(str, enum.Enum):
    WAITING = "waiting"      # for the client's answer
    APPROVED = "approved"    # the client's therapists may see it
    DECLINED = "declined"    # stays between the caregiver and the client


class CaregiverObservation(db.Model):
    __tablename__ = "caregiver_observations"
    __table_args__ = (Index("ix_caregiver_observations_client_day", "client_id", "observed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    care_link_id: Mapped[int] = mapped_column(
        ForeignKey("care_links.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str] = mapped_column(String(80))
    observed_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ObservationStatus] = mapped_column(
        value_enum(ObservationStatus, "observation_status"), default=ObservationStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    care_link: Mapped[CareLink] = relationship()


__all__ = ["CaregiverObservation", "OBSERVATION_LIMIT", "ObservationStatus", "PrescriberUpdate",
           "UPDATE_TEXT_LIMIT"]
