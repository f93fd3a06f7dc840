"""Demo accounts for trying Tend: a client, their therapist and a caregiver."""
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Role, User
from tend.services import accounts


@dataclass(frozen=True)
class DemoPerson:
    email: str
    display_name: str
    role: Role


DEMO_PEOPLE = [
    DemoPerson("client@demo.tend.example", "Alex Rivera", Role.CLIENT),
    DemoPerson("therapist@demo.tend.example", "Dr Sam Lee", Role.THERAPIST),
    DemoPerson("caregiver@demo.tend.example", "Jo Rivera", Role.CAREGIVER),
]
DEMO_TIMEZONE = "Europe/London"


def database_is_empty(db: Session) -> bool:
    return db.scalar(select(func.count()).select_from(User)) == 0


def new_password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(3))


def create_demo_accounts(db: Session, now: datetime) -> dict[str, str]:
    """Create the demo cast (and their records); return e-mail -> password, shown once."""
    passwords = {}
    for person in DEMO_PEOPLE:
        password = new_password()
        user = accounts.find_user_by_email(db, person.email)
        if user is None:
            accounts.create_user(db, email=person.email, display_name=person.display_name,
                                 role=person.role, timezone=DEMO_TIMEZONE, password=password,
                                 now=now)
        else:
            accounts.set_password(db, user, password, now)
        passwords[person.email] = password
    return passwords
