"""Accounts, their server-side sessions and the login throttle."""
import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow


class Role(str, enum.Enum):
    CLIENT = "client"
    THERAPIST = "therapist"
    CAREGIVER = "caregiver"


TRAVEL_FOLLOW_LOCAL = "follow_local"  # doses move to the clock times where the person is
TRAVEL_KEEP_HOME = "keep_home"        # doses stay at the home zone's times

# How pages look: "system" follows the device's light or dark setting.
THEMES = ("system", "light", "dark")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda e: [m.value for m in e],
             native_enum=False, length=16, create_constraint=True)
    )
    # The zone the person's days and dose times are kept in.
    timezone: Mapped[str] = mapped_column(String(64))
    # Where a client is while keeping home times (their doses stay at ``timezone``'s times;
    # pages also show the time here). None when they follow local time.
    travel_timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    theme: Mapped[str] = mapped_column(String(8), default="system")
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The client's local day the gentle line after a very low check-in was last shown, so it
    # comes at most once a day whichever device the check-in is saved on.
    support_line_shown_on: Mapped[date | None] = mapped_column(Date)
    # Set while an import writes into this account (``tend.services.importing``): one still
    # set long after is an import that was cut off, and what it wrote is removed.
    import_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    sessions: Mapped[list["UserSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Set by the session loader: the server-side session this request runs in.
    current_session = None

    def get_id(self) -> str:
        """Flask-Login keeps this in the signed cookie: the session token, not the user id,
        so ending the server-side session makes a copied cookie worthless."""
        return self.current_session.token if self.current_session else ""

    @property
    def is_client(self) -> bool:
        return self.role is Role.CLIENT

    @property
    def zone_here(self) -> str:
        """The zone the person is in now."""
        return self.travel_timezone or self.timezone

    @property
    def travel(self) -> str:
        """How their doses behave in another zone: "keep_home" or "follow_local"."""
        return TRAVEL_KEEP_HOME if self.travel_timezone else TRAVEL_FOLLOW_LOCAL


class UserSession(db.Model):
    """One signed-in device. Logout and a password change end it on the server."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="sessions")

    # The raw token exists only in the request that created or loaded the session.
    token = None


class LoginThrottle(db.Model):
    """Attempt counters (tend/services/throttle.py): failed sign-ins per account and address
    together and per address, sign-ups and invitation codes per address.

    Kept in the database so that every worker process counts the same attempts."""

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The next attempt waits until then (a slow-down, never a lock).
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
