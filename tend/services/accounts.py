"""Accounts: creating them, checking passwords with a throttle, and server-side sessions."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from models import LoginThrottle, PasswordReset, Role, User, UserSession

# Checked against when the e-mail is unknown, so both failures cost the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
TIMEZONES = frozenset(available_timezones())


def normalize_email(email: str) -> str:
    return email.strip().lower()


def is_known_timezone(name: str) -> bool:
    return name in TIMEZONES


def find_user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(db: Session, *, email: str, display_name: str, role: Role, timezone: str,
                password: str, now: datetime) -> User:
    user = User(email=normalize_email(email), display_name=display_name.strip(), role=role,
                timezone=timezone, password_hash=generate_password_hash(password),
                created_at=now)
    db.add(user)
    db.flush()
    return user


def set_password(db: Session, user: User, password: str, now: datetime,
                 keep_session: UserSession | None = None) -> None:
    """Change the password, sign out every other device and use up every open reset link:
    every way to change a password comes here, so none leaves an old link working."""
    user.password_hash = generate_password_hash(password)
    end_all_sessions(db, user, now, except_session=keep_session)
    db.execute(update(PasswordReset).where(PasswordReset.user_id == user.id,
                                           PasswordReset.used_at.is_(None)).values(used_at=now))


def password_matches(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


# --- Login throttle -------------------------------------------------------------------

@dataclass(frozen=True)
class ThrottleLimits:
    account_failures: int
    address_failures: int
    lockout: timedelta


@dataclass(frozen=True)
class LoginResult:
    user: User | None = None
    locked_until: datetime | None = None


def _throttle_keys(email: str, address: str) -> list[tuple[str, str]]:
    return [("account", normalize_email(email)[:254]), ("address", (address or "-")[:254])]


def _locked_row(db: Session, scope: str, key: str, now: datetime) -> datetime | None:
    row = db.get(LoginThrottle, (scope, key))
    if row and row.locked_until and row.locked_until > now:
        return row.locked_until
    return None


def _insert_ignore(db: Session, scope: str, key: str, now: datetime) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(
        insert(LoginThrottle)
        .values(scope=scope, key=key, failures=0, window_started_at=now)
        .on_conflict_do_nothing(index_elements=["scope", "key"])
    )


def _count_failure(db: Session, scope: str, key: str, limit: int, lockout: timedelta,
                   now: datetime) -> None:
    """Add one failure under a row lock; lock the key once it reaches ``limit``.

    A run of failures starts again after a lockout has passed or after a quiet day."""
    _insert_ignore(db, scope, key, now)
    row = db.execute(
        select(LoginThrottle)
        .where(LoginThrottle.scope == scope, LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    expired_lock = row.locked_until is not None and row.locked_until <= now
    stale = row.window_started_at < now - timedelta(days=1)
    if expired_lock or stale:
        row.failures, row.locked_until, row.window_started_at = 0, None, now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + lockout


def _clear_failures(db: Session, scope: str, key: str) -> None:
    row = db.get(LoginThrottle, (scope, key))
    if row:
        db.delete(row)


def authenticate(db: Session, email: str, password: str, address: str, now: datetime,
                 limits: ThrottleLimits) -> LoginResult:
    """Check a sign-in attempt. Unknown e-mail and wrong password fail the same way."""
    keys = _throttle_keys(email, address)
    locks = [until for scope, key in keys if (until := _locked_row(db, scope, key, now))]
    if locks:
        return LoginResult(locked_until=max(locks))
    user = find_user_by_email(db, email)
    if user is not None and password_matches(user, password):
        _clear_failures(db, *keys[0])
        return LoginResult(user=user)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    _count_failure(db, *keys[0], limits.account_failures, limits.lockout, now)
    _count_failure(db, *keys[1], limits.address_failures, limits.lockout, now)
    return LoginResult()


# --- Server-side sessions -----------------------------------------------------------------

@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta
    remembered_idle: timedelta
    remembered_absolute: timedelta

    def for_session(self, remember: bool) -> tuple[timedelta, timedelta]:
        if remember:
            return self.remembered_idle, self.remembered_absolute
        return self.idle, self.absolute


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, user: User, *, remember: bool, user_agent: str,
                  now: datetime) -> UserSession:
    token = secrets.token_urlsafe(32)
    record = UserSession(user=user, token_hash=_hash_token(token), remember=remember,
                         user_agent=(user_agent or "")[:300], created_at=now, last_seen_at=now)
    db.add(record)
    db.flush()
    record.token = token
    user.current_session = record
    return record


def load_session(db: Session, token: str, now: datetime, limits: SessionLimits
                 ) -> UserSession | None:
    """The live session for a cookie's token, or None if it ended or timed out."""
    if not token:
        return None
    record = db.scalar(select(UserSession).where(UserSession.token_hash == _hash_token(token))
                       .options(joinedload(UserSession.user)))
    if record is None or record.ended_at is not None:
        return None
    idle, absolute = limits.for_session(record.remember)
    if now - record.last_seen_at > idle or now - record.created_at > absolute:
        return None
    record.token = token
    record.user.current_session = record
    return record


def session_needs_touch(record: UserSession, now: datetime) -> bool:
    """Idle time is tracked to the minute, so most requests write nothing."""
    return now - record.last_seen_at > timedelta(minutes=1)


def end_session(record: UserSession, now: datetime) -> None:
    if record.ended_at is None:
        record.ended_at = now


def end_all_sessions(db: Session, user: User, now: datetime,
                     except_session: UserSession | None = None) -> None:
    for record in db.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                       UserSession.ended_at.is_(None))):
        if except_session is None or record.id != except_session.id:
            end_session(record, now)


def active_sessions(db: Session, user: User, now: datetime, limits: SessionLimits
                    ) -> list[UserSession]:
    records = db.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                   UserSession.ended_at.is_(None))
                         .order_by(UserSession.last_seen_at.desc()))
    live = []
    for record in records:
        idle, absolute = limits.for_session(record.remember)
        if now - record.last_seen_at <= idle and now - record.created_at <= absolute:
            live.append(record)
    return live
