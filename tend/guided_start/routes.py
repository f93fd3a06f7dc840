"""The guided start's pages. Each step can be done here or skipped; done elsewhere in Tend
counts too (the service reads the record)."""
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from models import db
from tend import clock
from tend.access import client_required
from tend.client.views import new_key
from tend.forms import Form
from tend.guided_start import bp
from tend.guided_start.forms import FirstMedicationForm
from tend.services import guided_start, medications, schedule
from tend.services.guided_start import CHECKIN, INSTALL, MEDICATION, REMINDERS, STEPS

STEP_ENDPOINTS = {MEDICATION: "start.medication", REMINDERS: "start.reminders",
                  INSTALL: "start.install", CHECKIN: "start.checkin"}


def _progress_or_today():
    """The guide's progress, or a redirect to Today when there is no guide (any more)."""
    progress = guided_start.close_if_finished(db.session, current_user, clock.now())
    db.session.commit()
    return progress, (None if progress else redirect(url_for("client.today")))


def _onwards():
    """To where the client left off, or Today once every step is done or skipped."""
    progress, done = _progress_or_today()
    return done or redirect(url_for(STEP_ENDPOINTS[progress.next_step.name]))


def _step_page(template: str, step: str, **context):
    progress, done = _progress_or_today()
    if done:
        return done
    return render_template(template, progress=progress, step=progress.step(step),
                           step_number=STEPS.index(step) + 1, **context)


@bp.get("")
@client_required
def index():
    return _onwards()


@bp.route("/medication", methods=["GET", "POST"])
@client_required
def medication():
    medication_form = FirstMedicationForm()
    if request.method == "GET":
        medication_form.idempotency_key.data = new_key()
    if medication_form.validate_on_submit():
        now = clock.now()
        medication, _ = medications.create_medication(
            db.session, current_user,
            **medication_form.new_medication(schedule.local_today(current_user, now)), now=now)
        db.session.commit()
        if medication_form.chosen.opens_plan:  # its steps on the plan's own form
            return redirect(url_for("client.plan_new", medication_id=medication.id))
        return _onwards()
    page = _step_page("guided_start/medication.html", MEDICATION,
                      medication_form=medication_form)
    return page, 400 if medication_form.errors else 200


@bp.get("/reminders")
@client_required
def reminders():
    return _step_page("guided_start/reminders.html", REMINDERS)


@bp.route("/install", methods=["GET", "POST"])
@client_required
def install():
    if request.method == "POST":
        if not Form().validate_on_submit():
            abort(400)
        guided_start.mark_installed(db.session, current_user, clock.now())
        db.session.commit()
        return _onwards()
    return _step_page("guided_start/install.html", INSTALL)


@bp.get("/checkin")
@client_required
def checkin():
    return _step_page("guided_start/checkin.html", CHECKIN)


@bp.post("/<step>/skip")
@client_required
def skip(step: str):
    if step not in STEPS or not Form().validate_on_submit():
        abort(404 if step not in STEPS else 400)
    guided_start.skip(db.session, current_user, step)
    db.session.commit()
    return _onwards()


@bp.post("/put-away")
@client_required
def put_away():
    if not Form().validate_on_submit():
        abort(400)
    guided_start.put_away(db.session, current_user, clock.now())
    db.session.commit()
    return redirect(url_for("client.today"))
