"""Sign-ups confirmed by e-mail. The account is made only when the link in the mail is used,
so the sign-up page can answer the same whether or not the address has an account: a new
address gets a confirmation link, an address with an account gets a note to its owner.

``request`` runs off the request path (tend/deferred.py); only a hash of each token is kept."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import PendingSignup, Role, User
from tend.services import accounts, guided_start, throttle

LINK_LIFETIME = timedelta(days=1)
# At most three mails an hour to one address, whatever anyone types (no mail bomb).
MAILS_PER_ADDRESS = throttle.Rule("signup-mail", 3, timedelta(hours=1), timedelta(hours=1),
                                  forget_after=timedelta(hours=1))
# Sign-ups sent from one network: ten free, then a wait from a minute up to an hour.
SIGNUPS_PER_NETWORK = throttle.Rule("signup", 10, timedelta(minutes=1), timedelta(hours=1))


@dataclass(frozen=True)
class ConfirmationMail:
    """A link that makes the account."""
    to: str
    name: str
    token: str


@dataclass(frozen=True)
class AlreadyHasAccount:
    """Someone tried to sign up with the address of this account."""
    owner: User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def admit(db: Session, address: str, now: datetime) -> timedelta | None:
    """Count a sign-up from this address's network; how long it must wait first, if at all."""
    network = throttle.address_key(address)
    wait = throttle.wait_left(db, SIGNUPS_PER_NETWORK, network, now)
    if wait is None:
        throttle.count(db, SIGNUPS_PER_NETWORK, network, now)
    return wait


def request(db: Session, *, email: str, display_name: str, role: Role, timezone: str,
            locale: str, password_hash: str, now: datetime) -> ConfirmationMail | AlreadyHasAccount | None:
    """What one sign-up leads to; None when the address had its mails for this hour."""
    email = accounts.normalize_email(email)
    db.execute(delete(PendingSignup).where(PendingSignup.expires_at <= now))
    if throttle.wait_left(db, MAILS_PER_ADDRESS, email, now):
        return None
    throttle.count(db, MAILS_PER_ADDRESS, email, now)
    owner = accounts.find_user_by_email(db, email)
    if owner is not None:
        return AlreadyHasAccount(owner)
    token = secrets.token_urlsafe(32)
    db.add(PendingSignup(email=email, display_name=display_name.strip(), role=role.value,
                         timezone=timezone, locale=locale, password_hash=password_hash,
                         token_hash=_hash(token), created_at=now,
                         expires_at=now + LINK_LIFETIME))
    db.flush()
    return ConfirmationMail(email, display_name.strip(), token)


def pending(db: Session, token: str, now: datetime) -> PendingSignup | None:
    """The unexpired sign-up for this link's token, or None."""
    if not token or len(token) > 200:
        return None
    found = db.scalar(select(PendingSignup).where(PendingSignup.token_hash == _hash(token)))
    if found is None or found.expires_at <= now:
        return None
    return found


def confirm(db: Session, signup: PendingSignup, now: datetime) -> User | None:
    """Make the account (a client's with the guided start); None if the address has one by
    now. Every link for the address goes."""
    taken = accounts.find_user_by_email(db, signup.email) is not None
    user = None if taken else accounts.create_user(
        db, email=signup.email, display_name=signup.display_name, role=Role(signup.role),
        timezone=signup.timezone, locale=signup.locale, password_hash=signup.password_hash,
        now=now)
    if user is not None and user.role is Role.CLIENT:
        db.flush()
        guided_start.begin(db, user, now)
    db.execute(delete(PendingSignup).where(PendingSignup.email == signup.email))
    return user
