"""The client's medication list: adding, correcting, changing dose, pausing, stopping, supply."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Medication, MedicationKind, db
from tend import clock
from tend.access import client_required
from tend.client import bp
from tend.client.display import quantity
from tend.client.forms import ChangeDoseForm, DetailsForm, MedicationForm, RefillForm, StopForm
from tend.client.views import new_key, save_from_form
from tend.formatting import short_date
from tend.services import decisions, medications, schedule
from tend.services.errors import Conflict


def _medication_or_404(medication_id: int) -> Medication:
    med = medications.medication_of(db.session, current_user, medication_id)
    if med is None:
        abort(404)
    return med


def _today():
    return schedule.local_today(current_user, clock.now())


def _dosing_today(med: Medication) -> medications.Dosing:
    now = clock.now()
    return medications.dosing_on(med, current_user, schedule.local_today(current_user, now), now)


@bp.get("/medications")
@client_required
def medications_list():
    now = clock.now()
    meds = medications.medications_of(db.session, current_user)
    return render_template("client/medications.html", dosings=[_dosing_today(m) for m in meds],
                           runs_out={m.id: medications.runs_out_on(m, current_user, now)
                                     for m in meds})


@bp.route("/medications/new", methods=["GET", "POST"])
@client_required
def medication_new():
    form = MedicationForm()
    if request.method == "GET":
        form.started_on.data = _today()
        form.idempotency_key.data = new_key()
    if form.validate_on_submit():
        med, created = medications.create_medication(
            db.session, current_user, **form.new_medication(), now=clock.now())
        db.session.commit()
        if created:
            flash(_("%(name)s is on your list.", name=med.name), "success")
        return redirect(url_for("client.medication", medication_id=med.id))
    return render_template("client/medication_form.html", form=form), \
        400 if form.errors else 200


def _medication_page(med: Medication, refill_form: RefillForm | None = None, status: int = 200):
    dosing = _dosing_today(med)
    return render_template(
        "client/medication.html", medication=med, dosing=dosing, regimen=dosing.regimen,
        today=_today(),
        runs_out_on=medications.runs_out_on(med, current_user, clock.now()),
        expectation=decisions.expectation_of(db.session, current_user, medication=med),
        refill_form=refill_form or RefillForm(formdata=None)), status


@bp.get("/medications/<int:medication_id>")
@client_required
def medication(medication_id: int):
    return _medication_page(_medication_or_404(medication_id))


@bp.route("/medications/<int:medication_id>/edit", methods=["GET", "POST"])
@client_required
def medication_edit(medication_id: int):
    med = _medication_or_404(medication_id)
    form = DetailsForm(obj=med)
    if request.method == "GET":
        form.kind.data = med.kind.value
    if form.validate_on_submit():
        medications.update_details(
            med, name=form.name.data, form=form.form.data, kind=MedicationKind(form.kind.data),
            purpose=form.purpose.data or "", prescriber=form.prescriber.data or "",
            missed_dose_instructions=form.missed_dose_instructions.data or "",
            started_on=form.started_on.data)
        db.session.commit()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("client.medication", medication_id=med.id))
    return render_template("client/medication_details.html", form=form, medication=med), \
        400 if form.errors else 200


def _change_form(med: Medication) -> ChangeDoseForm:
    """The change form, filled in with today's dose and schedule to start from."""
    regimen = _dosing_today(med).regimen
    if request.method == "POST":
        return ChangeDoseForm()
    today = _today()
    return ChangeDoseForm(data={**ChangeDoseForm.data_of(regimen, today), "effective_on": today})


@bp.route("/medications/<int:medication_id>/change", methods=["GET", "POST"])
@client_required
def medication_change(medication_id: int):
    med = _medication_or_404(medication_id)
    form = _change_form(med)

    def change():
        now = clock.now()
        effective = medications.change_starts_at(current_user, form.effective_on.data, now)
        medications.change_regimen(db.session, current_user, med, form.regimen_spec(),
                                   effective, now, note=form.note.data or "")

    if form.validate_on_submit() and save_from_form(
            form, change,
            back_on_conflict=url_for("client.medication", medication_id=med.id)):
        flash(_("Saved. The new dose applies from %(day)s; the earlier one stays in the "
                "history.", day=short_date(form.effective_on.data)), "success")
        return redirect(url_for("client.medication", medication_id=med.id))
    dosing = _dosing_today(med)
    return render_template("client/medication_change.html", form=form, medication=med,
                           dosing=dosing, regimen=dosing.regimen), \
        400 if form.errors else 200


@bp.post("/medications/<int:medication_id>/pause")
@client_required
def medication_pause(medication_id: int):
    return _pause_or_resume(_medication_or_404(medication_id), medications.pause,
                            _("Paused. No doses are planned until you resume it."))


@bp.post("/medications/<int:medication_id>/resume")
@client_required
def medication_resume(medication_id: int):
    return _pause_or_resume(_medication_or_404(medication_id), medications.resume,
                            _("Resumed. Doses are planned again from now."))


def _pause_or_resume(med: Medication, action, message: str):
    try:
        action(db.session, current_user, med, clock.now())
    except Conflict as conflict:
        db.session.rollback()
        flash(conflict.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("client.medication", medication_id=med.id))


@bp.route("/medications/<int:medication_id>/stop", methods=["GET", "POST"])
@client_required
def medication_stop(medication_id: int):
    med = _medication_or_404(medication_id)
    form = StopForm()
    if request.method == "GET":
        form.ended_on.data = _today()
    if form.validate_on_submit() and save_from_form(
            form, lambda: medications.stop(db.session, current_user, med, form.ended_on.data,
                                           form.reason.data or "", clock.now()),
            back_on_conflict=url_for("client.medication", medication_id=med.id)):
        flash(_("%(name)s is marked as stopped. It stays in your history.", name=med.name),
              "success")
        return redirect(url_for("client.medication", medication_id=med.id))
    return render_template("client/medication_stop.html", form=form, medication=med), \
        400 if form.errors else 200


@bp.post("/medications/<int:medication_id>/refill")
@client_required
def medication_refill(medication_id: int):
    med = _medication_or_404(medication_id)
    form = RefillForm()
    if not form.validate_on_submit():
        return _medication_page(med, refill_form=form, status=400)
    medications.refill(med, form.units.data)
    db.session.commit()
    flash(_("Added %(num)s. You now have %(total)s.", num=quantity(form.units.data),
            total=quantity(med.units_on_hand)), "success")
    return redirect(url_for("client.medication", medication_id=med.id))
