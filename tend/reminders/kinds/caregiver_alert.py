"""Caregiver alerts: a gentle push to a caregiver's phones when a dose is still unlogged a
while (the client's chosen delay) after its time.

They are ``Reminder`` rows of kind ``caregiver_alert`` for the caregiver's own devices,
unique per (planned dose, kind, device), so planning twice sends once. The same rule
(``wanted``) decides when planning and right before sending, so a dose logged, a grant
removed, a link ended or alerts paused in the meantime stop it. Lock screens are public: an
alert names the person, never a medication."""
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from models import (CareLink, CaregiverAlertSettings, Category, DoseEvent, LinkStatus,
                    MedicationStatus, PlannedDose, PushSubscription, Reminder, ReminderKind,
                    ReminderSettings, Role, User, db as models_db)
from tend.access import Access, access_for_link
from tend.formatting import clock_time
from tend.reminders import messages, outbox
from tend.reminders.outbox import Wanted
from tend.services import doses

KIND = ReminderKind.CAREGIVER_ALERT
KINDS = (KIND,)
URGENCY = "high"
DEFAULT_DELAY = timedelta(minutes=60)


def delay_of(settings: CaregiverAlertSettings | None) -> timedelta | None:
    """The client's chosen delay, or None while alerts are paused."""
    if settings is None:
        return DEFAULT_DELAY
    return None if settings.paused else timedelta(minutes=settings.delay_minutes)


def wanted(link: CareLink, delay: timedelta | None, access: Access, dose: PlannedDose) -> bool:
    """The one rule, when planning and right before sending: the link is an active caregiver
    link, alerts are not paused, the caregiver may see the medications on the dose's day, and
    the dose is still unlogged and its medication active."""
    return link.status == LinkStatus.ACTIVE and link.role == Role.CAREGIVER \
        and delay is not None and access.has(Category.MEDICATIONS) \
        and access.window(Category.MEDICATIONS).covers(dose.local_date) \
        and dose.event is None and dose.medication.status is MedicationStatus.ACTIVE


def _caregiver_links():
    return select(CareLink).where(CareLink.status == LinkStatus.ACTIVE,
                                  CareLink.role == Role.CAREGIVER)


def plan(db: Session, now: datetime) -> int:
    """Put due alerts in the outbox, one per caregiver device: doses unlogged ``delay`` after
    their time and not yet counted as missed (after that an alert would only alarm). Returns
    the rows offered."""
    links = db.scalars(_caregiver_links().options(
        selectinload(CareLink.grants), joinedload(CareLink.client),
        joinedload(CareLink.supporter))).unique().all()
    rows = []
    for link in links:
        access = access_for_link(link, now)
        delay = delay_of(db.get(CaregiverAlertSettings, link.id))
        if delay is None or not access.has(Category.MEDICATIONS):
            continue
        logged = select(DoseEvent.planned_dose_id).where(DoseEvent.planned_dose_id.is_not(None))
        candidates = db.scalars(
            select(PlannedDose)
            .where(PlannedDose.client_id == link.client_id, PlannedDose.due_at <= now - delay,
                   PlannedDose.due_at > now - doses.MISSED_AFTER,
                   PlannedDose.id.not_in(logged))
            .options(joinedload(PlannedDose.medication), joinedload(PlannedDose.event)))
        devices = None
        for dose in candidates:
            if not wanted(link, delay, access, dose):
                continue
            if devices is None:
                devices = db.scalars(select(PushSubscription.id).where(
                    PushSubscription.user_id == link.supporter_id)).all()
            rows += outbox.new_rows(link.supporter_id, devices,
                                    Wanted(KIND, dose.due_at + delay,
                                           dose.due_at + doses.MISSED_AFTER),
                                    planned_dose_id=dose.id, medication_id=dose.medication_id)
    outbox.add_ignoring_duplicates(db, rows)
    return len(rows)


def load(db: Session, reminder_ids: list[int]) -> list[Reminder]:
    return outbox.loaded(db, reminder_ids,
                         joinedload(Reminder.planned_dose).joinedload(PlannedDose.event),
                         joinedload(Reminder.planned_dose).joinedload(PlannedDose.medication))


def still_wanted(db: Session, reminders: list[Reminder], now: datetime) -> set[int]:
    def one(reminder: Reminder) -> bool:
        dose = reminder.planned_dose
        if dose is None:
            return False
        link = db.scalar(_caregiver_links().where(CareLink.client_id == dose.client_id,
                                                  CareLink.supporter_id == reminder.user_id))
        return link is not None and wanted(
            link, delay_of(db.get(CaregiverAlertSettings, link.id)), access_for_link(link, now),
            dose)
    return {r.id for r in reminders if one(r)}


def payload(reminder: Reminder, user: User, settings: ReminderSettings, now: datetime,
            batch: "messages.Batch") -> dict:
    """The notification a caregiver's phone shows (see pwa/sw-push.js), in the caregiver's
    language (the caller chose it)."""
    dose = reminder.planned_dose
    name = models_db.session.get(User, dose.client_id).display_name
    return {
        "tag": f"care-{dose.id}",
        "title": "Tend",
        "body": _("%(name)s's %(time)s dose isn't logged yet. You might check in with them.",
                  name=name, time=clock_time(dose.local_time)),
        "url": url_for("care.client", client_id=dose.client_id),
        "renotify": False,
        "actions": [],
    }


def topic(reminder: Reminder) -> str:
    return f"care-{reminder.planned_dose_id}"
