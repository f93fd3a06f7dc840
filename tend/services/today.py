"""Facts Today shows beside the doses, read in one statement rather than one each."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from models import CheckIn, GuidedStart, User
from models.base import column_rows

_FACTS = select(  # built once: Today sends it on every visit
    exists().where(CheckIn.client_id == bindparam("client_id"),
                   CheckIn.local_date == bindparam("day")).label("checked_in"),
    exists().where(GuidedStart.client_id == bindparam("client_id"),
                   GuidedStart.closed_at.is_(None)).label("guide_open"))


@dataclass(frozen=True)
class TodayFacts:
    checked_in: bool  # the day's check-in is done
    guide_open: bool  # the guided start is still open (``guided_start.close_if_finished``)


def facts_on(db: Session, client: User, day: date) -> TodayFacts:
    row = column_rows(db, _FACTS, {"client_id": client.id, "day": day}).one()
    return TodayFacts(bool(row.checked_in), bool(row.guide_open))
