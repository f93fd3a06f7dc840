"""A new client's guided start: what Tend keeps of it that the record itself can't tell.

Whether the first medication, reminders on a device and the first check-in are done is read
from the record (tend/services/guided_start.py); kept here are the steps the client chose to
skip, that Tend is installed (only the phone can see that), and when the guide was closed
(every step done or skipped, or put away). A client without a row (one whose account was made
before the guide existed, or not at sign-up) never sees it."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow


class GuidedStart(db.Model):
    __tablename__ = "guided_starts"

    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           primary_key=True)
    skipped: Mapped[str] = mapped_column(String(100), default="")  # step names, space-separated
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def skipped_steps(self) -> set[str]:
        return set((self.skipped or "").split())


__all__ = ["GuidedStart"]
