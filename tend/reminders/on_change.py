"""Reminders planned the moment a schedule changes.

A medication added, a new dose or schedule version, a pause or a resume: the transaction that
makes the change also plans that client's reminders for the next 48 hours
(``planner.ON_CHANGE_HORIZON``), so a dose due in a minute is reminded on time instead of after
the worker's next planning pass (once a minute, six hours ahead). The schedule services
know nothing of reminders; this listens to the session they write through."""
from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from models import Medication, Regimen, User, utcnow
from tend import clock
from tend.reminders import planner

CHANGED = "tend_schedule_changed"  # session.info: ids of clients whose schedule changed
PLANNING = "tend_planning_on_change"


def _schedule_changed(session: Session, obj) -> int | None:
    """The client whose schedule ``obj`` changes, if it does."""
    if isinstance(obj, Regimen):
        if obj in session.new or inspect(obj).attrs.valid_to.history.has_changes():
            medication = obj.medication
            return medication.client_id if medication is not None else None
    elif isinstance(obj, Medication):
        if obj in session.new or inspect(obj).attrs.status.history.has_changes():
            return obj.client_id
    return None


def _note_schedule_changes(session: Session, _context, _instances) -> None:
    if session.info.get(PLANNING):
        return
    clients = {client_id for obj in (*session.new, *session.dirty)
               if (client_id := _schedule_changed(session, obj)) is not None}
    if clients:
        session.info.setdefault(CHANGED, set()).update(clients)


def _plan_changed_schedules(session: Session) -> None:
    if session.info.get(PLANNING):
        return
    session.flush()  # notes the changes not flushed yet
    client_ids = session.info.pop(CHANGED, None)
    if not client_ids:
        return
    now = clock.now() if has_app_context() else utcnow()
    session.info[PLANNING] = True
    try:
        for client_id in sorted(client_ids):
            client = session.get(User, client_id)
            if client is not None and client.is_client:
                planner.plan_for_client(session, client, None, now, planner.ON_CHANGE_HORIZON)
        session.flush()
    finally:
        session.info.pop(PLANNING, None)


def _forget_schedule_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)


LISTENERS = (("before_flush", _note_schedule_changes), ("before_commit", _plan_changed_schedules),
             ("after_rollback", _forget_schedule_changes))


def init_app(_app) -> None:
    """Listen on every session (once per process, however many apps are made)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
