"""The client's plan for hard times (a safety plan): early warning signs and what to do, in
their own words, kept for the moments when it is hard to think of them.

One ``SafetyPlan`` per client, made with its first entry; ``updated_at`` changes with every
entry added, changed, moved or removed, so a printed or offline copy can say how current it
is. Each ``SafetyPlanItem`` is one short line in one section, ordered by ``position``."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow, value_enum

ITEM_TEXT_LIMIT = 300


class PlanSection(str, enum.Enum):
    """The plan's sections, in the order the plan shows them."""

    WARNING_SIGNS = "warning_signs"    # what tells me a hard time may be starting
    WHAT_HELPS = "what_helps"          # things I can do myself
    PEOPLE_PLACES = "people_places"    # people and places that help: to be with, to distract
    CONTACTS = "contacts"              # professionals and services to contact
    SAFER = "safer"                    # steps to make things safer


class SafetyPlan(db.Model):
    __tablename__ = "safety_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list["SafetyPlanItem"]] = relationship(
        back_populates="plan", order_by="SafetyPlanItem.position",
        cascade="all, delete-orphan", passive_deletes=True)


class SafetyPlanItem(db.Model):
    __tablename__ = "safety_plan_items"
    __table_args__ = (Index("ix_safety_plan_items_plan_section", "plan_id", "section",
                            "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("safety_plans.id", ondelete="CASCADE"))
    section: Mapped[PlanSection] = mapped_column(value_enum(PlanSection, "plan_section"))
    text: Mapped[str] = mapped_column(String(ITEM_TEXT_LIMIT))
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    plan: Mapped[SafetyPlan] = relationship(back_populates="items")


__all__ = ["ITEM_TEXT_LIMIT", "PlanSection", "SafetyPlan", "SafetyPlanItem"]
