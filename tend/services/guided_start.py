"""A new client's guided start: four steps, each done, skipped or still to do.

Done is read from the record wherever it can be (a medication, a device that gets
reminders, a check-in), so doing a step anywhere in Tend counts; only "installed" is told by
the phone. The guide shows until every step is done or skipped, or the client puts it away;
progress is counted in steps done, never as a score."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import CheckIn, GuidedStart, Medication, PushSubscription, User

MEDICATION, REMINDERS, INSTALL, CHECKIN = "medication", "reminders", "install", "checkin"
STEPS = (MEDICATION, REMINDERS, INSTALL, CHECKIN)


@dataclass(frozen=True)
class Step:
    name: str
    done: bool
    skipped: bool

    @property
    def to_do(self) -> bool:
        return not self.done and not self.skipped


@dataclass(frozen=True)
class Progress:
    steps: list[Step]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def next_step(self) -> Step | None:
        """Where the client left off: the first step neither done nor skipped."""
        return next((step for step in self.steps if step.to_do), None)

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)


def begin(db: Session, client: User, now: datetime) -> None:
    """A new client gets the guide (at sign-up)."""
    db.add(GuidedStart(client_id=client.id, created_at=now))


def _guide(db: Session, client: User) -> GuidedStart | None:
    return db.get(GuidedStart, client.id)


def _has(db: Session, owner_column, client: User) -> bool:
    return bool(db.scalar(select(exists().where(owner_column == client.id))))


def progress_of(db: Session, client: User) -> Progress | None:
    """The guide's steps, or None when the client has no guide or it is closed."""
    guide = _guide(db, client)
    if guide is None or guide.closed_at is not None:
        return None
    done = {
        MEDICATION: _has(db, Medication.client_id, client),
        REMINDERS: _has(db, PushSubscription.user_id, client),
        INSTALL: guide.installed_at is not None,
        CHECKIN: _has(db, CheckIn.client_id, client),
    }
    skipped = guide.skipped_steps
    return Progress([Step(name, done[name], name in skipped and not done[name])
                     for name in STEPS])


def close_if_finished(db: Session, client: User, now: datetime) -> Progress | None:
    """The guide's progress; once every step is done or skipped, the guide closes (None)."""
    progress = progress_of(db, client)
    if progress is not None and progress.next_step is None:
        _guide(db, client).closed_at = now
        return None
    return progress


def skip(db: Session, client: User, step: str) -> None:
    guide = _guide(db, client)
    if guide is not None and step in STEPS:
        guide.skipped = " ".join(sorted(guide.skipped_steps | {step}))


def mark_installed(db: Session, client: User, now: datetime) -> None:
    guide = _guide(db, client)
    if guide is not None and guide.installed_at is None:
        guide.installed_at = now


def put_away(db: Session, client: User, now: datetime) -> None:
    """The client closes the guide before the end; every step stays available elsewhere."""
    guide = _guide(db, client)
    if guide is not None and guide.closed_at is None:
        guide.closed_at = now
