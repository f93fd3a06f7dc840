"""Links sent by e-mail: password resets and sign-ups waiting for their address to be confirmed.

Both are single-use and expire; only a hash of their token is kept."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.account import User
from models.base import UTCDateTime, db, utcnow


class PasswordReset(db.Model):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class PendingSignup(db.Model):
    """A sign-up whose e-mail address is not confirmed yet: the account is made only when the
    link in the mail is opened, so the sign-up page answers the same for an address that
    already has an account (whose owner gets a mail instead)."""

    __tablename__ = "pending_signups"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    # The language picked on the sign-up page: the mail and the account use it.
    locale: Mapped[str] = mapped_column(String(16), default="en")
    password_hash: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


__all__ = ["PasswordReset", "PendingSignup"]
