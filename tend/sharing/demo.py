"""The demo client's care team: Dr Sam Lee and Jo Rivera, each seeing what Alex chose."""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (CareLink, CaregiverAlertSettings, Category, Grant, LinkStatus, Role, User)
from tend.access import local_today

THERAPIST_SHARES = (Category.MEDICATIONS, Category.SIDE_EFFECTS, Category.SLEEP,
                    Category.ENERGY, Category.FUNCTIONING, Category.NOTES)
CAREGIVER_SHARES = (Category.MEDICATIONS,)


def link_demo_team(db: Session, client: User, therapist: User, caregiver: User,
                   now: datetime) -> None:
    """Active links with a few grants (the therapist from 60 days back; mood stays private).
    Does nothing if the client already has a care team."""
    if db.scalar(select(CareLink.id).where(CareLink.client_id == client.id).limit(1)):
        return
    today = local_today(client, now)
    for supporter, shares, since in ((therapist, THERAPIST_SHARES, today - timedelta(days=60)),
                                     (caregiver, CAREGIVER_SHARES, None)):
        link = CareLink(client_id=client.id, supporter_id=supporter.id, role=supporter.role,
                        status=LinkStatus.ACTIVE, invitee_name=supporter.display_name,
                        expires_at=now, created_at=now, accepted_at=now)
        link.grants = [Grant(category=category, from_date=since, created_at=now)
                       for category in shares]
        db.add(link)
        if supporter.role is Role.CAREGIVER:
            db.flush()
            db.add(CaregiverAlertSettings(care_link_id=link.id, delay_minutes=60, paused=False))
    db.flush()
