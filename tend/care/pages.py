"""What a supporter's pages show, put together from ``shared_record`` (imported as ``record``) for one ``Access``.

The client's "see as" preview renders these very same pages, so it shows exactly what the
supporter sees."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from models import Category, Role, db
from models.journal import CHECKIN_CATEGORIES
from tend.access import Access, local_today
from tend.services import update_record
from tend.services import shared_record as record
from tend.services import insights, observations

OVERVIEW_DAYS = 28
CHART_DAYS = 30
# Charts drawn by the Insights partial. Its medications part reads every medication's name to
# label changes, so the shared medications are shown from ``record`` instead, windowed in SQL.
CHART_CATEGORIES = (*CHECKIN_CATEGORIES, Category.SIDE_EFFECTS)
UPDATE_DAYS = 28
UPDATE_MAX_DAYS = 366


def page_names() -> dict[str, str]:
    """How pages are named in the client's access log."""
    return {"client": _("Overview"), "update": _("Prescriber update"),
            "caseload": _("Client list"), "today": _("Today's doses"),
            "reminders": _("Reminders")}


def client_overview(access: Access, now: datetime) -> dict:
    session = db.session
    today = local_today(access.client, now)
    first = today - timedelta(days=OVERVIEW_DAYS - 1)
    side_effects = record.side_effects(session, access, first, today)
    return {
        "access": access,
        "today": today,
        "period": (first, today),
        "today_doses": record.today_doses(session, access, now),
        "medications": record.medications(session, access, now),
        "changes": record.medication_changes(session, access, first, today),
        "adherence": record.adherence(session, access, first, today, now),
        "dose_log": record.dose_log(session, access, first, today, limit=20),
        "side_effects": side_effects,
        "urgent_side_effects": record.urgent(side_effects),
        "charts": charts(access, now),
        "notes": record.checkin_notes(session, access, first, today, limit=10),
        "questions": record.questions(session, access),
        "readiness": record.readiness(session, access),
        "measured_goals": record.measured_goals(session, access),
        "skip_totals": record.skip_totals(session, access, now),
        "safety_plan": record.safety_plan(session, access),
        "help_contacts": record.help_contacts(session, access, now),
        "is_caregiver": access.link.role is Role.CAREGIVER,
        "decision_work": update_record.decision_work(session, access),
        "observations": observations.approved_within(session, access.client, first, today)
        if access.link.role is Role.THERAPIST else [],
    }


def charts(access: Access, now: datetime) -> list[tuple[Category, object]]:
    """One Insights chart set per granted category, each read from its own "from" day."""
    return [(category, insights.build(db.session, access.client, now, CHART_DAYS,
                                      sections=(category.value,),
                                      since=access.window(category).start))
            for category in CHART_CATEGORIES if access.has(category)]


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def default_update_period(access: Access, now: datetime) -> Period:
    today = local_today(access.client, now)
    return Period(today - timedelta(days=UPDATE_DAYS - 1), today)


def prescriber_update(access: Access, period: Period, now: datetime) -> dict:
    """A structured summary of one period, drawn only from granted categories."""
    session = db.session
    first, last = period.first, period.last
    # The doses as they stand at the end of the period (or today, for one still going on).
    meds = record.medications(session, access, now, min(last, local_today(access.client, now)))
    return {
        "access": access,
        "period": period,
        "medications": meds,
        "changes": record.medication_changes(session, access, first, last),
        "scheduled": record.scheduled_after(meds, access.client, last, now),
        "adherence": record.adherence(session, access, first, last, now),
        "as_needed": update_record.as_needed_use(session, access, first, last),
        "side_effects": record.side_effects(session, access, first, last),
        "trends": [values for category in CHECKIN_CATEGORIES
                   if (values := record.checkins(session, access, category, first, last))],
        "notes": record.checkin_notes(session, access, first, last, limit=8),
        "questions": record.questions(session, access),
        "readiness": record.readiness(session, access),
        "measured_goals": record.measured_goals(session, access),
        "skip_totals": record.skip_totals(session, access, now),
    }
