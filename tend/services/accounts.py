"""Accounts: creating them, checking passwords with a throttle, and server-side sessions."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from models import PasswordReset, Role, User, UserSession
from tend.services import throttle

# Checked against when the e-mail is unknown, so both failures cost the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
TIMEZONES = frozenset(available_timezones())


def normalize_email(email: str) -> str:
    return email.strip().lower()


def is_known_timezone(name: str) -> bool:
    return name in TIMEZONES


def find_user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalize_email(email)))


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def create_user(db: Session, *, email: str, display_name: str, role: Role, timezone: str,
                password_hash: str, now: datetime, locale: str = "en") -> User:
    user = User(email=normalize_email(email), display_name=display_name.strip(), role=role,
                timezone=timezone, locale=locale, password_hash=password_hash, created_at=now)
    db.add(user)
    db.flush()
    return user


def set_password(db: Session, user: User, password: str, now: datetime,
                 keep_session: UserSession | None = None) -> None:
    """Change the password, sign out every other device and use up every open reset link:
    every way to change a password comes here, so none leaves an old link working."""
    user.password_hash = hash_password(password)
    end_all_sessions(db, user, now, except_session=keep_session)
    db.execute(update(PasswordReset).where(PasswordReset.user_id == user.id,
                                           PasswordReset.used_at.is_(None)).values(used_at=now))


def password_matches(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


# --- Sign-in throttle ------------------------------------------------------------------------

@dataclass(frozen=True)
class SignInRules:
    """Failed sign-ins slow down one account tried from one address (``pair``), and one
    address trying many accounts (``address``, a higher ceiling with short waits). No rule
    counts an account on its own: failures from elsewhere never hold up its owner."""
    pair: throttle.Rule
    address: throttle.Rule


@dataclass(frozen=True)
class LoginResult:
    user: User | None = None
    wait: timedelta | None = None


def _sign_in_checks(email: str, address: str, rules: SignInRules
                    ) -> tuple[tuple[throttle.Rule, str], tuple[throttle.Rule, str]]:
    network = throttle.address_key(address)
    return ((rules.pair, throttle.pair_key(normalize_email(email), network)),
            (rules.address, network))


def authenticate(db: Session, email: str, password: str, address: str, now: datetime,
                 rules: SignInRules) -> LoginResult:
    """Check a sign-in attempt. Unknown e-mail and wrong password fail the same way; while a
    wait is running the password is not even checked."""
    pair, by_address = _sign_in_checks(email, address, rules)
    wait = throttle.longest_wait_left(db, [pair, by_address], now)
    if wait:
        return LoginResult(wait=wait)
    user = find_user_by_email(db, email)
    if user is not None and password_matches(user, password):
        throttle.clear(db, *pair)
        return LoginResult(user=user)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    throttle.count(db, *pair, now)
    throttle.count(db, *by_address, now)
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


# Every signed-in request sends it: built once (a statement built for each request, and its
# cache key, cost about as much as the query itself). The session and its user come as two
# entities of one row, cheaper to load than a joined eager load.
_SESSION_BY_TOKEN = select(UserSession, User).join(UserSession.user).where(
    UserSession.token_hash == bindparam("token_hash"))


def load_session(db: Session, token: str, now: datetime, limits: SessionLimits
                 ) -> UserSession | None:
    """The live session for a cookie's token, or None if it ended or timed out."""
    if not token:
        return None
    row = db.execute(_SESSION_BY_TOKEN, {"token_hash": _hash_token(token)}).first()
    if row is None:
        return None
    record, user = row
    if record.ended_at is not None:
        return None
    idle, absolute = limits.for_session(record.remember)
    if now - record.last_seen_at > idle or now - record.created_at > absolute:
        return None
    record.token = token
    set_committed_value(record, "user", user)  # as loaded: ``record.user`` asks nothing more
    user.current_session = record
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
