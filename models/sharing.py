"""The client's care team: who may see which part of the record, and who has looked.

A ``CareLink`` joins a client to one therapist or caregiver. It starts as a pending invitation
(a single-use code, kept only as a hash), becomes active when the invitee accepts, and ends when
either side ends it. ``Grant`` rows say which categories the supporter may see, optionally only
from a date and until a date. Nothing is visible without a grant."""
import enum
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.account import Role, User
from models.base import UTCDateTime, db, utcnow, value_enum



class Category(str, enum.Enum):
    """What a client can share. Every supporter query is limited to granted categories."""

    MEDICATIONS = "medications"        # medications, changes, adherence, today's schedule
    DOSE_LOG = "dose_log"              # each logged dose: times, skip reasons, dose notes
    SIDE_EFFECTS = "side_effects"
    SLEEP = "sleep"
    ENERGY = "energy"
    MOOD = "mood"
    FUNCTIONING = "functioning"        # work, relationships, self-care
    NOTES = "notes"                    # the notes written with daily check-ins
    QUESTIONS = "questions"            # questions and experiments (decision support)
    MANAGE_REMINDERS = "manage_reminders"  # caregivers: may adjust reminder times
    SAFETY_PLAN = "safety_plan"        # the client's plan for hard times (models/plan.py)
    CONTACTS = "contacts"              # the client's help contacts (Get help)


class LinkStatus(str, enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    ENDED = "ended"


class CareLink(db.Model):
    __tablename__ = "care_links"
    __table_args__ = (Index("ix_care_links_supporter_status", "supporter_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(value_enum(Role, "care_role"))
    status: Mapped[LinkStatus] = mapped_column(value_enum(LinkStatus, "link_status"),
                                               default=LinkStatus.PENDING)
    # What the client calls this person ("Dr Lee"), shown until the invitation is accepted.
    invitee_name: Mapped[str] = mapped_column(String(80))
    invite_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A therapist's prescriber updates may be downloaded without asking the client each time.
    updates_without_asking: Mapped[bool] = mapped_column(Boolean, default=False)

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    supporter: Mapped[User | None] = relationship(foreign_keys=[supporter_id])
    grants: Mapped[list["Grant"]] = relationship(
        back_populates="care_link", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Grant.id")

    @property
    def name(self) -> str:
        return self.supporter.display_name if self.supporter else self.invitee_name


class Grant(db.Model):
    """One shared category. ``from_date``: nothing earlier is visible. ``until_date``: the
    last day (in the client's time zone) the category is shared; nothing after it either."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("care_link_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    care_link_id: Mapped[int] = mapped_column(ForeignKey("care_links.id", ondelete="CASCADE"))
    category: Mapped[Category] = mapped_column(value_enum(Category, "share_category"))
    from_date: Mapped[date | None] = mapped_column(Date)
    until_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    care_link: Mapped[CareLink] = relationship(back_populates="grants")


class LogAction(str, enum.Enum):
    VIEW = "view"        # someone else looked at the client's data
    CHANGE = "change"    # sharing changed, or a supporter changed something for the client


class AccessLogEntry(db.Model):
    """Who saw or changed what, and when. The viewer's name is copied so the entry still
    reads right after that account is gone."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_client_at", "client_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    viewer_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[LogAction] = mapped_column(value_enum(LogAction, "log_action"))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    page: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaregiverAlertSettings(db.Model):
    """When a caregiver hears about a dose that is still unlogged; chosen by the client."""

    __tablename__ = "caregiver_alert_settings"

    care_link_id: Mapped[int] = mapped_column(
        ForeignKey("care_links.id", ondelete="CASCADE"), primary_key=True)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=60)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)

    care_link: Mapped[CareLink] = relationship()


THERAPIST_NOTE_LIMIT = 5000  # characters


class TherapistNote(db.Model):
    """A therapist's session note about a client. The client can always read it, and sees
    when it was last edited."""

    __tablename__ = "therapist_notes"
    __table_args__ = (Index("ix_therapist_notes_client_created", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    therapist_name: Mapped[str] = mapped_column(String(80))
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = ["AccessLogEntry", "CareLink", "CaregiverAlertSettings", "Category", "Grant",
           "LinkStatus", "LogAction", "TherapistNote"]
