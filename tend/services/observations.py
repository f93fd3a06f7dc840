"""Caregivers' observations of daily life, which the client approves one by one.

Until the client approves one, only its author and the client see it; approved ones are seen
by the client's therapists and go into prescriber updates as a caregiver's observations."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CareLink, LinkStatus, Role, User
from models.update import OBSERVATION_LIMIT, CaregiverObservation, ObservationStatus
from tend.services.errors import Conflict, FieldError

OLDEST_DAYS = 60  # how far back an observation may be dated


def note(db: Session, link: CareLink, text: str, observed_on: date | None,
         now: datetime) -> CaregiverObservation:
    """A caregiver writes down what they saw; it waits for the client's answer."""
    if link.role is not Role.CAREGIVER or link.status is not LinkStatus.ACTIVE:
        raise Conflict("Only a caregiver the client is connected with can add observations.")
    text = (text or "").strip()
    if not text:
        raise FieldError("text", _l("Write what you noticed first."))
    if len(text) > OBSERVATION_LIMIT:
        raise FieldError("text", _l("Use at most %(max)d characters.", max=OBSERVATION_LIMIT))
    today = now.astimezone(ZoneInfo(link.client.timezone)).date()
    observed_on = observed_on or today
    if observed_on > today:
        raise FieldError("observed_on", _l("Choose today or an earlier day."))
    if observed_on < today - timedelta(days=OLDEST_DAYS):
        raise FieldError("observed_on", _l("Choose a day within the last %(num)d days.",
                                           num=OLDEST_DAYS))
    observation = CaregiverObservation(
        client_id=link.client_id, care_link_id=link.id, author_name=link.supporter.display_name,
        observed_on=observed_on, text=text, created_at=now)
    db.add(observation)
    return observation


def written_through(db: Session, link: CareLink) -> list[CaregiverObservation]:
    """What a caregiver wrote through this link, newest first (they see their own)."""
    return list(db.scalars(select(CaregiverObservation)
                           .where(CaregiverObservation.care_link_id == link.id)
                           .order_by(CaregiverObservation.observed_on.desc(),
                                     CaregiverObservation.id.desc())))


def about(db: Session, client: User) -> list[CaregiverObservation]:
    """All observations about the client, waiting ones first, for the client to answer."""
    rows = db.scalars(select(CaregiverObservation)
                      .where(CaregiverObservation.client_id == client.id)
                      .order_by(CaregiverObservation.observed_on.desc(),
                                CaregiverObservation.id.desc()))
    return sorted(rows, key=lambda o: o.status is not ObservationStatus.WAITING)


def decide(db: Session, client: User, observation_id: int, approve: bool,
           now: datetime) -> CaregiverObservation | None:
    """The client's answer; None when it isn't theirs. An answer can be changed later."""
    observation = db.get(CaregiverObservation, observation_id)
    if observation is None or observation.client_id != client.id:
        return None
    observation.status = ObservationStatus.APPROVED if approve else ObservationStatus.DECLINED
    observation.decided_at = now
    return observation


def approved_within(db: Session, client: User, first: date, last: date
                    ) -> list[CaregiverObservation]:
    """Approved observations of days in the period, oldest first: what therapists see."""
    return list(db.scalars(select(CaregiverObservation)
                           .where(CaregiverObservation.client_id == client.id,
                                  CaregiverObservation.status == ObservationStatus.APPROVED,
                                  CaregiverObservation.observed_on.between(first, last))
                           .order_by(CaregiverObservation.observed_on,
                                     CaregiverObservation.id)))
