"""Password reset by e-mail: single-use tokens that expire; only their hash is stored."""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import PasswordReset, User
from tend.services import accounts

TOKEN_LIFETIME = timedelta(hours=1)
MAX_OPEN_PER_HOUR = 3  # more requests than this in an hour send nothing more (no mail bomb)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Session, email: str, now: datetime) -> tuple[User, str] | None:
    """A new token for the account with this e-mail, or None (unknown e-mail, or too many
    recent requests). The caller answers the same either way."""
    user = accounts.find_user_by_email(db, email)
    if user is None:
        return None
    recent = db.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1)))
    if recent >= MAX_OPEN_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    db.add(PasswordReset(user_id=user.id, token_hash=_hash(token), created_at=now,
                         expires_at=now + TOKEN_LIFETIME))
    db.flush()
    return user, token


def valid_reset(db: Session, token: str, now: datetime) -> PasswordReset | None:
    """The unused, unexpired reset for this token, or None."""
    if not token or len(token) > 200:
        return None
    reset = db.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        return None
    return reset


def complete(db: Session, reset: PasswordReset, password: str, now: datetime) -> User:
    """Set the new password; that signs out every device and uses up every open token."""
    user = reset.user
    accounts.set_password(db, user, password, now)
    return user
