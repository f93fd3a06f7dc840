"""The client's own pages: Today and logging doses (medications, journal and history live in
the modules imported at the end)."""
from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from models import DoseEvent, DoseStatus, Medication, Regimen, SkipReason, db
from models.base import column_rows
from tend import clock
from tend.access import client_required
from tend.client import bp
from tend.client.dose_timing import ask_minutes, asks_before_taken
from tend.client.today import today_doses
from tend.client.forms import HELPED_CHOICES, SKIP_REASONS, DoseForm, HelpedForm
from tend.client.views import new_key, show_field_error
from tend.urls import back_to
from tend.formatting import clock_in_zone, duration_text
from tend.navigation import MORE_LINKS
from tend.services import doses, guided_start, medications, schedule
from tend.services.today import facts_on
from tend.services.errors import Conflict, FieldError


@dataclass
class AsNeeded:
    dosing: medications.Dosing
    taken_today: int

    @property
    def medication(self) -> Medication:
        return self.dosing.medication

    @property
    def regimen(self) -> Regimen:
        return self.dosing.regimen

    @property
    def over_max(self) -> bool:
        return bool(self.regimen.max_per_day) and self.taken_today >= self.regimen.max_per_day


def as_needed_today(dosings: list[medications.Dosing], day) -> list[AsNeeded]:
    """The medications among ``dosings`` taken as needed on ``day``, each with how often it
    was taken that day (read only when there is one)."""
    as_needed = doses.as_needed_among(dosings)
    taken = as_needed_taken_on(day) if as_needed else {}
    return [AsNeeded(dosing, taken.get(dosing.medication.id, 0)) for dosing in as_needed]


_AS_NEEDED_TAKEN = (  # built once: Today sends it on every visit
    select(DoseEvent.medication_id, func.count())
    .where(DoseEvent.client_id == bindparam("client_id"), DoseEvent.planned_dose_id.is_(None),
           DoseEvent.status == DoseStatus.TAKEN, DoseEvent.occurred_at >= bindparam("start"),
           DoseEvent.occurred_at < bindparam("end"))
    .group_by(DoseEvent.medication_id))


def as_needed_taken_on(day) -> dict[int, int]:
    """Doses taken outside the schedule per medication on a local day, in one query."""
    zone = current_user.timezone
    return dict(column_rows(db.session, _AS_NEEDED_TAKEN, {
        "client_id": current_user.id, "start": schedule.start_of_local_day(day, zone),
        "end": schedule.start_of_local_day(day + timedelta(days=1), zone)}).all())


@bp.get("/today")
@client_required
def today():
    now = clock.now()
    day = schedule.local_today(current_user, now)
    meds = medications.medications_of(db.session, current_user)  # loads every regimen once
    committed = schedule.plan_doses(db.session, current_user, now, meds=meds)
    if committed:
        db.session.commit()  # keep the doses planned just now
    facts = facts_on(db.session, current_user, day)
    guide = guided_start.close_if_finished(db.session, current_user, now) \
        if facts.guide_open else None
    if db.session.dirty:  # a guide with every step done or skipped is closed now
        db.session.commit()  # (only then: a commit would make the user be read again)
        committed = True
    if committed:  # a commit leaves what was read to be read again: in one query
        meds = medications.medications_of(db.session, current_user)
    rows = doses.day_of_doses(db.session, current_user, day)
    highlight = request.args.get("dose", type=int)
    if highlight and highlight not in {row.id for row in rows}:
        return _open_other_days_dose(highlight)
    dosings = [medications.dosing_on(med, current_user, day, now) for med in meds]
    return render_template(
        "client/today.html", day=day, now=now, doses=today_doses(rows, dosings, now),
        has_medications=bool(meds), as_needed=as_needed_today(dosings, day),
        checked_in=facts.checked_in,
        follow_ups=doses.follow_ups_due(db.session, current_user, now),
        helped_choices=HELPED_CHOICES, highlight=highlight,
        guide=guide,
        new_key=new_key, ask_minutes=ask_minutes())


def _open_other_days_dose(planned_dose_id: int):
    """A reminder tapped after midnight names yesterday's dose: open it on its own page."""
    planned = doses.planned_dose_of(db.session, current_user, planned_dose_id)
    if planned is None:
        return redirect(url_for("client.today"))
    if planned.event is not None:
        return redirect(url_for("client.dose_edit", event_id=planned.event.id))
    return redirect(url_for("client.dose_new", dose=planned.id))


def _logged_message(event: DoseEvent) -> str:
    name = event.medication.name
    if event.status is DoseStatus.SKIPPED:
        return _("Noted: %(name)s skipped.", name=name)
    return _("Saved: %(name)s taken at %(time)s.", name=name, time=clock_in_zone(event.occurred_at, event.timezone))


def _dose_page(form: DoseForm, status: int = 200):
    """The page for logging one dose in detail (another time, a skip), also used to show
    what was wrong with a dose submitted from Today."""
    med = medications.medication_of(db.session, current_user, form.medication_id.data)
    planned = doses.planned_dose_of(db.session, current_user, form.planned_dose_id.data) \
        if form.planned_dose_id.data else None
    if med is None or (planned is not None and planned.medication_id != med.id):
        abort(404)
    return render_template("client/dose.html", form=form, medication=med, planned=planned,
                           skip_reasons=SKIP_REASONS, new_key=new_key,
                           back=back_to("client.today")), status


@bp.get("/doses/new")
@client_required
def dose_new():
    """Log a scheduled dose at another time or as skipped (e.g. a missed one from History)."""
    planned = doses.planned_dose_of(db.session, current_user, request.args.get("dose"))
    if planned is None:
        abort(404)
    if planned.event is not None:
        return redirect(url_for("client.dose_edit", event_id=planned.event.id))
    form = DoseForm(client=current_user, formdata=None,
                    medication_id=planned.medication_id, planned_dose_id=planned.id,
                    taken_at=planned.due_at, idempotency_key=new_key())
    return _dose_page(form)


def _far_ahead_of_time(form: DoseForm, now):
    """The planned dose that "Taken now" would log far ahead of its time, unless the client
    has said yes to that already (``confirm_far``)."""
    if form.status.data != DoseStatus.TAKEN.value or form.taken_at.data \
            or not form.planned_dose_id.data or request.form.get("confirm_far"):
        return None
    planned = doses.planned_dose_of(db.session, current_user, form.planned_dose_id.data)
    if planned is None or planned.event is not None or \
            not asks_before_taken(planned.due_at, now):
        return None
    return planned


@bp.post("/doses")
@client_required
def dose_log():
    form = DoseForm(client=current_user)
    if form.validate():
        planned = _far_ahead_of_time(form, clock.now())
        if planned is not None:  # asked once, on its own page when the script didn't
            return render_template("client/dose_confirm.html", form=form, planned=planned,
                                   cancel=back_to("client.today"))
        try:
            logged = doses.record(db.session, current_user, **form.dose_record(),
                                  now=clock.now())
        except Conflict:
            db.session.rollback()
            flash(_("This dose was already logged, so nothing changed."), "success")
            return redirect(back_to("client.today"))
        except FieldError as error:
            db.session.rollback()
            if error.field == "medication_id":
                abort(404)
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_logged_message(logged.event) if logged.created
                  else _("That was saved already."), "success")
            earlier = logged.sooner_than_planned_after
            if earlier is not None:
                regimen = medications.version_at(logged.event.medication,
                                                 logged.event.occurred_at)
                flash(_("This came sooner than the %(duration)s you planned between doses of "
                        "%(name)s: the one before was at %(time)s. It is recorded as taken.",
                        duration=duration_text(timedelta(minutes=regimen.min_interval_minutes)),
                        name=logged.event.medication.name,
                        time=clock_in_zone(earlier.occurred_at, earlier.timezone)), "warning")
            if logged.over_daily_max:
                flash(_("That's more than the %(num)d a day you planned for %(name)s. If you're "
                        "unsure what that means for you, your prescriber or pharmacist can help.",
                        num=medications.version_at(logged.event.medication,
                                                   logged.event.occurred_at).max_per_day,
                        name=logged.event.medication.name), "warning")
            return redirect(back_to("client.today"))
    return _dose_page(form, 400)


@bp.post("/doses/<int:event_id>/helped")
@client_required
def dose_helped(event_id: int):
    """"Did it help?" answered on Today (or from a follow-up reminder)."""
    event = _event_or_404(event_id)
    form = HelpedForm()
    if form.validate():
        doses.answer_follow_up(event, form.helped.data, clock.now())
        db.session.commit()
        flash(_("Thank you. Your answer is saved with the dose."), "success")
    else:
        flash(form.helped.errors[0], "error")
    return redirect(back_to("client.today"))


def _event_or_404(event_id: int) -> DoseEvent:
    event = doses.event_of(db.session, current_user, event_id)
    if event is None:
        abort(404)
    return event


@bp.route("/doses/<int:event_id>/edit", methods=["GET", "POST"])
@client_required
def dose_edit(event_id: int):
    """Correct a logged dose: when it was taken, or why it was skipped, and the note."""
    event = _event_or_404(event_id)
    form = DoseForm(client=current_user, zone=event.timezone, data={
        "medication_id": event.medication_id, "taken_at": event.occurred_at,
        "skip_reason": event.skip_reason.value if event.skip_reason else "", "note": event.note})
    form.status.data = event.status.value  # what happened stays; undo it to change it
    if request.method == "POST" and form.validate():
        try:
            if event.status is DoseStatus.TAKEN and form.taken_at.data:
                doses.change_time(event, form.taken_at.data, clock.now())
        except FieldError as error:
            show_field_error(form, error)
        else:
            if event.status is DoseStatus.SKIPPED:
                event.skip_reason = SkipReason(form.skip_reason.data) \
                    if form.skip_reason.data else None
            event.note = (form.note.data or "").strip()
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(back_to("client.history"))
    return render_template("client/dose_edit.html", form=form, event=event,
                           skip_reasons=SKIP_REASONS, back=back_to("client.history")), 400 if form.errors else 200


@bp.route("/doses/<int:event_id>/delete", methods=["GET", "POST"])
@client_required
def dose_delete(event_id: int):
    """Undo a logged dose. Today's Undo posts here at once; elsewhere a page confirms first."""
    event = _event_or_404(event_id)
    if request.method == "GET":
        return render_template("client/confirm_delete.html",
                               what=_("this dose of %(name)s", name=event.medication.name),
                               cancel=back_to("client.history"))
    doses.undo(db.session, current_user, event, clock.now())
    db.session.commit()
    flash(_("Removed. The dose shows as not logged again."), "success")
    return redirect(back_to("client.today"))


@bp.get("/more")
@client_required
def more():
    links = [link for link in MORE_LINKS if link.endpoint in current_app.view_functions]
    return render_template("client/more.html", links=links)


from tend.client import history, journal_routes, medication_routes, plan_routes  # noqa: E402,F401
