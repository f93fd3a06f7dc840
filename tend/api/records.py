"""The client's record over JSON: medications, doses, side effects, check-ins, Today.

Every create takes a client-made idempotency key: the same key again returns the record it
created (200) instead of a second one (201). Validation is the HTML forms' own."""
from datetime import date, timedelta

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import CheckIn, DoseEvent, SideEffect, db
from tend import clock
from tend.access import client_required
from tend.api import bp
from tend.api.serializers import (_iso, checkin_json, dose_event_json, dose_row_json,
                                  medication_json, saved_checkin_json, side_effect_json)
from tend.api.validation import InvalidInput, invalid_response, valid_form
from tend.client.forms import (ChangeDoseForm, CheckInForm, DoseForm, HelpedForm,
                               MedicationForm, RefillForm, SideEffectForm, StopForm)
from tend.fields import parse_day
from tend.services import doses, journal, lookup, medications, red_flags, schedule
from tend.services.errors import Conflict, FieldError

MAX_RANGE = timedelta(days=366)


@bp.errorhandler(InvalidInput)
def _invalid_input(error: InvalidInput):
    db.session.rollback()
    return invalid_response(error.fields, error.message)


@bp.errorhandler(FieldError)
def _field_error(error: FieldError):
    db.session.rollback()
    fields: dict[str, list] = {}
    for each in error.errors:
        fields.setdefault(each.field, []).append(each.message)
    return invalid_response(fields)


@bp.errorhandler(Conflict)
def _conflict(conflict: Conflict):
    """409: a dose already logged answers with that dose."""
    db.session.rollback()
    if isinstance(conflict.existing, DoseEvent):
        return jsonify(error="already_logged", message=conflict.message,
                       event=dose_event_json(conflict.existing)), 409
    return jsonify(error="conflict", message=conflict.message), 409


def _not_found():
    return jsonify(error="not_found", message=_("There is no such record in your account.")), 404


def _saved(body: dict, created: bool):
    return jsonify(body), 201 if created else 200


def _date_param(name: str, default: date) -> date:
    """A day named in the query; ``?to=`` with no day is refused, not read as the default."""
    value = request.args.get(name)
    if value is None:
        return default
    try:
        return parse_day(value)
    except ValueError:
        raise FieldError(name, _("Enter a date like 2026-03-31."))


def _date_range() -> tuple[date, date]:
    today = schedule.local_today(current_user, clock.now())
    last = _date_param("to", today)
    first = _date_param("from", last - timedelta(days=29))
    if first > last:
        raise FieldError("from", _("The start must be on or before the end."))
    if last - first > MAX_RANGE:
        raise FieldError("from", _("Ask for at most a year at a time."))
    return first, last


# --- Today and medications ---------------------------------------------------------------

@bp.get("/today")
@client_required
def today():
    now = clock.now()
    day = _date_param("date", schedule.local_today(current_user, now))
    if schedule.plan_doses(db.session, current_user, now):
        db.session.commit()
    rows = doses.doses_on(db.session, current_user, day, now)
    checkin = journal.checkin_on(db.session, current_user, day)
    return jsonify(date=day.isoformat(), timezone=current_user.timezone,
                   doses=[dose_row_json(row) for row in rows],
                   as_needed=[medication_json(dosing.medication, current_user, now, day)
                              for dosing in doses.as_needed_on(
                                  medications.medications_of(db.session, current_user),
                                  current_user, day, now)],
                   checkin_done=checkin is not None,
                   checkin=checkin_json(checkin) if checkin else None)


@bp.get("/medications")
@client_required
def list_medications():
    now = clock.now()
    return jsonify(medications=[medication_json(m, current_user, now) for m in
                                medications.medications_of(db.session, current_user)])


@bp.get("/medications/<int:medication_id>")
@client_required
def get_medication(medication_id: int):
    med = medications.medication_of(db.session, current_user, medication_id)
    if med is None:
        return _not_found()
    return jsonify(medication_json(med, current_user, clock.now()))


@bp.post("/medications")
@client_required
def create_medication():
    form = valid_form(MedicationForm)
    med, created = medications.create_medication(db.session, current_user,
                                                 **form.new_medication(), now=clock.now())
    db.session.commit()
    return _saved(medication_json(med, current_user, clock.now()), created)


def _with_medication(medication_id: int, action):
    med = medications.medication_of(db.session, current_user, medication_id)
    if med is None:
        return _not_found()
    action(med)
    db.session.commit()
    return jsonify(medication_json(med, current_user, clock.now()))


@bp.post("/medications/<int:medication_id>/changes")
@client_required
def change_medication(medication_id: int):
    form = valid_form(ChangeDoseForm)

    def change(med):
        now = clock.now()
        effective = medications.change_starts_at(current_user, form.effective_on.data, now)
        medications.change_regimen(db.session, current_user, med, form.regimen_spec(),
                                   effective, now, note=form.note.data or "")
    return _with_medication(medication_id, change)


@bp.post("/medications/<int:medication_id>/pause")
@client_required
def pause_medication(medication_id: int):
    return _with_medication(medication_id, lambda med: medications.pause(
        db.session, current_user, med, clock.now()))


@bp.post("/medications/<int:medication_id>/resume")
@client_required
def resume_medication(medication_id: int):
    return _with_medication(medication_id, lambda med: medications.resume(
        db.session, current_user, med, clock.now()))


@bp.post("/medications/<int:medication_id>/stop")
@client_required
def stop_medication(medication_id: int):
    form = valid_form(StopForm)
    return _with_medication(medication_id, lambda med: medications.stop(
        db.session, current_user, med, form.ended_on.data, form.reason.data or "", clock.now()))


@bp.post("/medications/<int:medication_id>/refill")
@client_required
def refill_medication(medication_id: int):
    form = valid_form(RefillForm)
    return _with_medication(medication_id, lambda med: medications.refill(med, form.units.data))


# --- Doses -------------------------------------------------------------------------------

@bp.post("/doses")
@client_required
def log_dose():
    form = valid_form(DoseForm, client=current_user)
    logged = doses.record(db.session, current_user, **form.dose_record(), now=clock.now())
    body = dose_event_json(logged.event)  # before the commit expires what it reads
    db.session.commit()
    body["over_daily_max"] = logged.over_daily_max
    earlier = logged.sooner_than_planned_after
    body["sooner_than_planned_after"] = _iso(earlier.occurred_at) if earlier else None
    return _saved(body, logged.created)


@bp.get("/doses")
@client_required
def list_doses():
    first, last = _date_range()
    start = schedule.start_of_local_day(first, current_user.timezone)
    end = schedule.start_of_local_day(last + timedelta(days=1), current_user.timezone)
    events = db.session.scalars(
        select(DoseEvent).where(DoseEvent.client_id == current_user.id,
                                DoseEvent.occurred_at >= start, DoseEvent.occurred_at < end)
        .options(selectinload(DoseEvent.planned_dose), selectinload(DoseEvent.logged_by))
        .order_by(DoseEvent.occurred_at)).all()
    return jsonify(doses=[dose_event_json(e) for e in events])


@bp.delete("/doses/<int:event_id>")
@client_required
def undo_dose(event_id: int):
    event = doses.event_of(db.session, current_user, event_id)
    if event is None:
        return _not_found()
    doses.undo(db.session, current_user, event, clock.now())
    db.session.commit()
    return "", 204


@bp.post("/doses/<int:event_id>/helped")
@client_required
def answer_helped(event_id: int):
    event = doses.event_of(db.session, current_user, event_id)
    if event is None:
        return _not_found()
    form = valid_form(HelpedForm)
    doses.answer_follow_up(event, form.helped.data, clock.now())
    body = dose_event_json(event)
    db.session.commit()
    return jsonify(body)


# --- Side effects --------------------------------------------------------------------------

@bp.post("/side-effects")
@client_required
def record_side_effect():
    form = valid_form(SideEffectForm)
    item, created = journal.record_side_effect(
        db.session, current_user, form.side_effect_input(), clock.now(),
        idempotency_key=form.idempotency_key.data)
    db.session.commit()
    body = side_effect_json(item)
    body["red_flag"] = red_flags.is_red_flag(item.symptom)
    return _saved(body, created)


@bp.get("/side-effects")
@client_required
def list_side_effects():
    first, last = _date_range()
    items = db.session.scalars(
        select(SideEffect).where(SideEffect.client_id == current_user.id,
                                 SideEffect.started_on >= first, SideEffect.started_on <= last)
        .options(selectinload(SideEffect.medications)).order_by(SideEffect.started_on)).all()
    return jsonify(side_effects=[side_effect_json(i) for i in items])


@bp.delete("/side-effects/<int:item_id>")
@client_required
def delete_side_effect(item_id: int):
    item = journal.side_effect_of(db.session, current_user, item_id)
    if item is None:
        return _not_found()
    db.session.delete(item)
    db.session.commit()
    return "", 204


# --- Check-ins -----------------------------------------------------------------------------

@bp.post("/checkins")
@client_required
def save_checkin():
    form = valid_form(CheckInForm, timezone=current_user.timezone)
    result = journal.save_checkin(
        db.session, current_user, form.date.data, form.answers(), clock.now(),
        idempotency_key=form.idempotency_key.data, base=form.base_answers(),
        edited_at=form.edited_at.data, entered_in=form.entered_in.data or None)
    db.session.commit()
    return _saved(saved_checkin_json(result), result.created)


@bp.get("/checkins")
@client_required
def list_checkins():
    first, last = _date_range()
    items = db.session.scalars(
        select(CheckIn).where(CheckIn.client_id == current_user.id,
                              CheckIn.local_date >= first, CheckIn.local_date <= last)
        .order_by(CheckIn.local_date)).all()
    return jsonify(checkins=[checkin_json(i) for i in items])


@bp.delete("/checkins/<int:item_id>")
@client_required
def delete_checkin(item_id: int):
    item = lookup.owned(db.session, CheckIn, current_user.id, item_id)
    if item is None:
        return _not_found()
    db.session.delete(item)
    db.session.commit()
    return "", 204
