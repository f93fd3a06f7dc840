"""Step plans: a taper or titration entered once, then held, stepped back, paused, resumed.

Each step is scheduled as a regimen version (``medications.change_regimen`` from the step's
first day, with the step's amount per intake and the schedule in force), so every page, the
reminders, the shared record and the export follow the plan with no special case. This module
keeps the rules of the plan itself:

- A step has begun once its version is in force (``begun``); the current step is the last
  one begun. Before the first, and after stepping back from it, the dose is the one from
  before the plan (``StepPlan.amount_before``).
- **Hold here**: the steps to come are removed (``medications.keep_current``); the current
  step goes on. A held plan is over.
- **Step back**: from now, the amount of the step before the current one (a new version).
  An active plan then goes on: the step stepped back from comes again one interval later,
  and the rest follow at the plan's interval.
- **Pause**: the steps to come are removed until the plan is resumed; each then begins as
  many days later as the plan was paused (at the earliest the day after resuming).
- A decision about the medication itself (a change of dose, a pause, a stop) replaces the
  steps it comes before, as it replaces any change to come: those steps show as not
  scheduled, and pausing then resuming the plan schedules them again.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import Medication, MedicationStatus, User
from models.step_plan import (CHECKPOINT_DAYS_RANGE, INTERVAL_DAYS_RANGE, MAX_PLAN_STEPS,
                              PlanKind, PlanStatus, PlanStep, PlanStepVersion, StepPlan)
from tend.services import lookup, medications, schedule
from tend.services.errors import Conflict, FieldError

def steps_between(start: Decimal, step: Decimal, target: Decimal) -> list[Decimal]:
    """The amounts from ``start`` to ``target`` by ``step`` (down for a taper, up for a
    titration); the last step is ``target`` even when the step doesn't divide the way."""
    if step <= 0:
        raise FieldError("step_size", _l("Enter a step above 0."))
    if start == target:
        raise FieldError("target_amount", _l("Choose a target different from the start."))
    direction = -1 if target < start else 1
    amounts, amount = [start], start
    while (target - amount) * direction > 0:
        amount = amount + direction * step
        if (target - amount) * direction < 0:
            amount = target
        amounts.append(amount)
        if len(amounts) > MAX_PLAN_STEPS:
            raise FieldError("step_size", _l("That makes more than %(max)d steps. Choose a "
                                             "larger step.", max=MAX_PLAN_STEPS))
    return amounts


@dataclass
class PlanInput:
    """A plan as a person enters it: the amounts of its steps, in order, the first one's day,
    the days between steps and, optionally, a checkpoint some days into each step."""

    kind: PlanKind
    amounts: list[Decimal]
    first_day: date
    interval_days: int
    checkpoint_days: int | None = None


def _check(data: PlanInput, today: date) -> None:
    if len(data.amounts) < 2:
        raise FieldError("steps", _l("A plan needs at least two steps."))
    if len(data.amounts) > MAX_PLAN_STEPS:
        raise FieldError("steps", _l("Use at most %(max)d steps.", max=MAX_PLAN_STEPS))
    pairs = list(zip(data.amounts, data.amounts[1:]))
    if data.kind is PlanKind.TAPER and any(b >= a for a, b in pairs):
        raise FieldError("steps", _l("In a taper each step is lower than the one before."))
    if data.kind is PlanKind.TITRATION and any(b <= a for a, b in pairs):
        raise FieldError("steps", _l("In a titration each step is higher than the one "
                                     "before."))
    if not INTERVAL_DAYS_RANGE[0] <= data.interval_days <= INTERVAL_DAYS_RANGE[1]:
        raise FieldError("interval", _l("Choose from 1 day to 52 weeks between steps."))
    if data.checkpoint_days is not None and not (
            CHECKPOINT_DAYS_RANGE[0] <= data.checkpoint_days <= CHECKPOINT_DAYS_RANGE[1]):
        raise FieldError("checkpoint_days", _l("Choose from 1 to 365 days."))
    if data.first_day < today:
        raise FieldError("first_day", _l("Choose today or a later date."))


def plans_of(db: Session, med: Medication) -> list[StepPlan]:
    """The medication's plans, newest first."""
    return db.scalars(select(StepPlan).where(StepPlan.medication_id == med.id)
                      .options(selectinload(StepPlan.steps))
                      .order_by(StepPlan.created_at.desc(), StepPlan.id.desc())).all()


def open_plan(db: Session, med: Medication) -> StepPlan | None:
    """The plan still under way (active or paused), if there is one: at most one a time."""
    return next((p for p in plans_of(db, med)
                 if p.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED)), None)


def plan_of(db: Session, client: User, plan_id) -> StepPlan | None:
    return lookup.owned(db, StepPlan, client.id, plan_id)


def create_plan(db: Session, client: User, med: Medication, data: PlanInput,
                now: datetime) -> StepPlan:
    """Enter the plan once: each step becomes a regimen version from its first day, with
    the step's amount and the schedule in force then."""
    today = schedule.local_today(client, now)
    _check(data, today)
    if med.status is not MedicationStatus.ACTIVE:
        raise Conflict(str(_l("Resume this medication before starting a plan.")), med)
    if medications.version_on(med, client, data.first_day, now).as_needed:
        raise FieldError("steps", _l("A plan steps a dose taken at set times; this "
                                     "medication is taken as needed."))
    if open_plan(db, med) is not None:
        raise Conflict(str(_l("This medication has a plan under way. Hold it first to "
                              "start another.")), med)
    before = medications.version_on(med, client, data.first_day, now)
    plan = StepPlan(client_id=client.id, medication_id=med.id, kind=data.kind,
                    interval_days=data.interval_days, amount_before=before.amount,
                    created_at=now)
    plan.steps = [PlanStep(ordinal=n, amount=amount, checkpoint_days=data.checkpoint_days,
                           starts_on=data.first_day + timedelta(days=data.interval_days * (n - 1)))
                  for n, amount in enumerate(data.amounts, start=1)]
    db.add(plan)
    db.flush()
    _schedule(db, client, med, plan.steps, now)
    return plan


def _schedule(db: Session, client: User, med: Medication, steps: list[PlanStep],
              now: datetime) -> None:
    """A regimen version for each step, from its first day, in order."""
    for step in steps:
        spec = medications.spec_of(medications.version_on(med, client, step.starts_on, now))
        spec.amount = step.amount
        try:
            regimen = medications.change_regimen(
                db, client, med, spec, medications.change_starts_at(client, step.starts_on, now),
                now)
        except FieldError as error:
            if error.field != "effective_on":
                raise
            raise FieldError("first_day", _l(
                "This medication stops before step %(n)d would begin. Move its stop date "
                "or choose fewer steps.", n=step.ordinal))
        _carry(db, step, regimen)
    db.flush()


def _carry(db: Session, step: PlanStep, regimen) -> None:
    """``regimen`` carries ``step`` from now on; the versions that carried it before still
    did (``steps_of_versions``)."""
    step.regimen = regimen
    db.add(PlanStepVersion(regimen_id=regimen.id, step=step))


def steps_of_versions(db: Session, client: User,
                      medication: Medication | None = None) -> dict[int, PlanStep]:
    """The plan step each regimen version carries or carried, by the version's id: of the
    client's medications, or of ``medication`` alone."""
    query = (select(PlanStepVersion).join(PlanStepVersion.step).join(PlanStep.plan)
             .where(StepPlan.client_id == client.id)
             .options(selectinload(PlanStepVersion.step).selectinload(PlanStep.plan)
                      .selectinload(StepPlan.steps)))
    if medication is not None:
        query = query.where(StepPlan.medication_id == medication.id)
    return {carried.regimen_id: carried.step for carried in db.scalars(query)}


def begun(step: PlanStep, now: datetime) -> bool:
    """Whether the step's version has come into force (it may have ended since)."""
    regimen = step.regimen
    return regimen is not None and regimen.valid_from <= now and \
        medications.ever_in_force(regimen)


def current_step(plan: StepPlan, now: datetime) -> PlanStep | None:
    """The last step begun, or None before the first (or after stepping back from it)."""
    return next((s for s in reversed(plan.steps) if begun(s, now)), None)


def steps_to_come(plan: StepPlan, now: datetime) -> list[PlanStep]:
    current = current_step(plan, now)
    return [s for s in plan.steps if current is None or s.ordinal > current.ordinal]


def is_done(plan: StepPlan, now: datetime) -> bool:
    return plan.status is PlanStatus.ACTIVE and not steps_to_come(plan, now)


def status_of(plan: StepPlan, now: datetime) -> str:
    """"active", "paused", "held" or "done" (an active plan whose last step has begun)."""
    return "done" if is_done(plan, now) else plan.status.value


def checkpoint_on(step: PlanStep) -> date | None:
    """The day to ask "How is this step going?", if the step has a checkpoint."""
    return step.starts_on + timedelta(days=step.checkpoint_days) \
        if step.checkpoint_days is not None else None


def _medication(db: Session, plan: StepPlan) -> Medication:
    return medications.medication_of(db, db.get(User, plan.client_id), plan.medication_id)


def _unlink_removed(db: Session, plan: StepPlan) -> None:
    """Forget the versions a decision removed (the database has set their links to NULL)."""
    for step in plan.steps:
        db.refresh(step, ["regimen_id"])
        if step.regimen_id is None:
            step.regimen = None


def _require(plan: StepPlan, *statuses: PlanStatus, message) -> None:
    if plan.status not in statuses:
        raise Conflict(str(message), plan)


def hold(db: Session, client: User, plan: StepPlan, now: datetime) -> None:
    """Stay at the current step: the steps to come are removed, and the plan is over."""
    _require(plan, PlanStatus.ACTIVE, PlanStatus.PAUSED,
             message=_l("This plan is already held."))
    medications.keep_current(db, client, _medication(db, plan), now)
    _unlink_removed(db, plan)
    plan.status, plan.ended_at, plan.paused_on = PlanStatus.HELD, now, None


def pause(db: Session, client: User, plan: StepPlan, now: datetime) -> None:
    """No step to come begins until the plan is resumed; the current one goes on."""
    _require(plan, PlanStatus.ACTIVE, message=_l("Only a plan under way can be paused."))
    if is_done(plan, now):
        raise Conflict(str(_l("Every step of this plan has begun: there is nothing to "
                              "pause.")), plan)
    medications.keep_current(db, client, _medication(db, plan), now)
    _unlink_removed(db, plan)
    plan.status, plan.paused_on = PlanStatus.PAUSED, schedule.local_today(client, now)


def resume(db: Session, client: User, plan: StepPlan, now: datetime) -> None:
    """The steps to come again, each as many days later as the plan was paused, the next
    one at the earliest tomorrow, and the rest at the plan's interval after it."""
    _require(plan, PlanStatus.PAUSED, message=_l("Only a paused plan can be resumed."))
    today = schedule.local_today(client, now)
    remaining = steps_to_come(plan, now)
    shifted = remaining[0].starts_on + (today - (plan.paused_on or today))
    _redate(remaining, max(shifted, today + timedelta(days=1)), plan.interval_days)
    _schedule(db, client, _medication(db, plan), remaining, now)
    plan.status, plan.paused_on = PlanStatus.ACTIVE, None


def _redate(steps: list[PlanStep], first: date, interval_days: int) -> None:
    for index, step in enumerate(steps):
        step.starts_on = first + timedelta(days=interval_days * index)


def step_back(db: Session, client: User, plan: StepPlan, now: datetime) -> None:
    """From now, the amount of the step before the current one (or from before the plan).
    An active plan goes on: the step stepped back from begins again one interval after
    today, and the rest follow at the plan's interval."""
    _require(plan, PlanStatus.ACTIVE, PlanStatus.HELD,
             message=_l("Resume the plan before stepping back."))
    current = current_step(plan, now)
    if current is None:
        raise Conflict(str(_l("The plan's first step hasn't begun: there is no earlier "
                              "step to go back to.")), plan)
    med = _medication(db, plan)
    previous = next((s for s in plan.steps if s.ordinal == current.ordinal - 1), None)
    spec = medications.spec_of(medications.version_at(med, now))
    spec.amount = previous.amount if previous else plan.amount_before
    regimen = medications.change_regimen(db, client, med, spec, now, now)
    _unlink_removed(db, plan)
    if previous is not None:
        _carry(db, previous, regimen)
    current.regimen = None
    if plan.status is PlanStatus.ACTIVE:
        remaining = [s for s in plan.steps if s.ordinal >= current.ordinal]
        _redate(remaining, schedule.local_today(client, now)
                + timedelta(days=plan.interval_days), plan.interval_days)
        _schedule(db, client, med, remaining, now)
    db.flush()
