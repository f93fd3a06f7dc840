"""Caregiver alerts: a gentle push to a caregiver's phones when a dose is still unlogged a
while (the client's chosen delay) after its time.

They go through the reminders outbox as ``Reminder`` rows of kind ``caregiver_alert`` for the
caregiver's own devices, unique per (planned dose, kind, device), so planning twice sends once.
Whether an alert is wanted is decided afresh from the database (``still_wanted``) right before
sending, so a dose logged, a grant removed, a link ended or alerts paused in the meantime stop
it. Lock screens are public: an alert names the person, never a medication."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import force_locale, format_time, gettext as _
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from models import (CareLink, CaregiverAlertSettings, Category, DoseEvent, LinkStatus,
                    PlannedDose, PushSubscription, Reminder, ReminderKind, ReminderStatus, Role,
                    User)
from tend.access import access_for_link
from tend.services import doses

KIND = ReminderKind.CAREGIVER_ALERT
DEFAULT_DELAY = timedelta(minutes=60)


@dataclass(frozen=True)
class Alert:
    link: CareLink
    dose: PlannedDose
    due_at: datetime


def delay_of(settings: CaregiverAlertSettings | None) -> timedelta | None:
    """The client's chosen delay, or None while alerts are paused."""
    if settings is None:
        return DEFAULT_DELAY
    return None if settings.paused else timedelta(minutes=settings.delay_minutes)


def alerting_links(db: Session, now: datetime) -> list[CareLink]:
    """Active caregiver links whose caregiver may see the client's medications now."""
    links = db.scalars(select(CareLink).where(CareLink.status == LinkStatus.ACTIVE,
                                              CareLink.role == Role.CAREGIVER)
                       .options(selectinload(CareLink.grants), joinedload(CareLink.client),
                                joinedload(CareLink.supporter))).unique().all()
    return [link for link in links if access_for_link(link, now).has(Category.MEDICATIONS)]


def alerts_due(db: Session, now: datetime) -> list[Alert]:
    """Doses, within the caregiver's grant, unlogged ``delay`` after their time and not yet
    counted as missed (after that an alert would only alarm)."""
    due = []
    for link in alerting_links(db, now):
        delay = delay_of(db.get(CaregiverAlertSettings, link.id))
        if delay is None:
            continue
        window = access_for_link(link, now).window(Category.MEDICATIONS)
        logged = select(DoseEvent.planned_dose_id).where(DoseEvent.planned_dose_id.is_not(None))
        planned = db.scalars(
            select(PlannedDose)
            .where(PlannedDose.client_id == link.client_id, PlannedDose.due_at <= now - delay,
                   PlannedDose.due_at > now - doses.MISSED_AFTER,
                   PlannedDose.id.not_in(logged), window.dates(PlannedDose.local_date)))
        due += [Alert(link, dose, dose.due_at + delay) for dose in planned]
    return due


def plan_caregiver_alerts(db: Session, now: datetime) -> int:
    """Put due alerts in the outbox, one per caregiver device; returns rows offered."""
    rows = []
    for alert in alerts_due(db, now):
        devices = db.scalars(select(PushSubscription.id).where(
            PushSubscription.user_id == alert.link.supporter_id)).all()
        rows += [{"user_id": alert.link.supporter_id, "subscription_id": device,
                  "planned_dose_id": alert.dose.id, "medication_id": alert.dose.medication_id,
                  "kind": KIND, "status": ReminderStatus.PENDING, "due_at": alert.due_at,
                  "expires_at": alert.dose.due_at + doses.MISSED_AFTER,
                  "next_attempt_at": alert.due_at, "attempts": 0, "last_error": ""}
                 for device in devices]
    if rows:
        dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
        db.execute(dialect.insert(Reminder).on_conflict_do_nothing(), rows)
    return len(rows)


def still_wanted(db: Session, reminder: Reminder, now: datetime) -> bool:
    """Checked right before sending: the dose is still unlogged and the caregiver may still
    be alerted about it."""
    dose = reminder.planned_dose
    if dose is None or dose.event is not None:
        return False
    link = db.scalar(select(CareLink).where(
        CareLink.client_id == dose.client_id, CareLink.supporter_id == reminder.user_id,
        CareLink.status == LinkStatus.ACTIVE, CareLink.role == Role.CAREGIVER))
    if link is None or delay_of(db.get(CaregiverAlertSettings, link.id)) is None:
        return False
    access = access_for_link(link, now)
    if not access.has(Category.MEDICATIONS):
        return False
    window = access.window(Category.MEDICATIONS)
    return (window.start is None or dose.local_date >= window.start) and \
        (window.end is None or dose.local_date <= window.end)


def payload(db: Session, reminder: Reminder, caregiver: User) -> dict:
    """The notification a caregiver's phone shows (see pwa/sw-push.js)."""
    dose = reminder.planned_dose
    name = db.get(User, dose.client_id).display_name
    with force_locale(caregiver.locale or "en"):
        return {
            "tag": f"care-{dose.id}",
            "title": "Tend",
            "body": _("%(name)s's %(time)s dose isn't logged yet. You might check in with "
                      "them.", name=name, time=format_time(dose.local_time, "short")),
            "url": url_for("care.client", client_id=dose.client_id),
            "renotify": False,
            "actions": [],
        }
