"""Further reads of a client's shared record for the prescriber update and the decision work on
the care pages. Like ``record``, each function takes an ``Access``, queries only a granted
category and keeps the grant's window in the SQL."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import (Balance, Category, Checkpoint, DoseEvent, DoseStatus, Experiment,
                    Medication)
from tend.access import Access
from tend.services import medications as medication_rules
from tend.services import schedule


def _moments_of(access: Access, first: date, last: date, column):
    zone = access.client.timezone
    return (column >= schedule.start_of_local_day(first, zone),
            column < schedule.start_of_local_day(last + timedelta(days=1), zone))


@dataclass
class AsNeededUse:
    """One as-needed medication's intakes in a period, against the limit the client set."""

    name: str
    limit: int | None          # most a day, as set on the last day it was used
    taken: int = 0
    days_used: int = 0
    days_over_limit: int = 0
    most_in_a_day: int = 0


def as_needed_use(db: Session, access: Access, first: date, last: date) -> list[AsNeededUse]:
    """Intakes logged without a scheduled slot, of medications taken "when needed" at the
    time, per medication; each day's count is held against that day's limit."""
    if not access.has(Category.MEDICATIONS):
        return []
    events = db.scalars(
        select(DoseEvent).join(Medication)
        .where(DoseEvent.client_id == access.client.id, DoseEvent.planned_dose_id.is_(None),
               DoseEvent.status == DoseStatus.TAKEN,
               access.window(Category.MEDICATIONS).moments(DoseEvent.occurred_at),
               *_moments_of(access, first, last, DoseEvent.occurred_at))
        .options(selectinload(DoseEvent.medication).selectinload(Medication.regimens))).all()
    per_day: dict[int, Counter] = defaultdict(Counter)
    limits: dict[tuple[int, date], int | None] = {}
    meds: dict[int, Medication] = {}
    for event in events:
        version = medication_rules.version_at(event.medication, event.occurred_at)
        if not version.as_needed:
            continue
        meds[event.medication_id] = event.medication
        per_day[event.medication_id][event.local_date] += 1
        limits[event.medication_id, event.local_date] = version.max_per_day
    lines = []
    for med_id, counts in per_day.items():
        med = meds[med_id]
        line = AsNeededUse(med.name, limits[med_id, max(counts)])
        for day, count in counts.items():
            line.taken += count
            line.days_used += 1
            line.most_in_a_day = max(line.most_in_a_day, count)
            limit = limits[med_id, day]
            if limit is not None and count > limit:
                line.days_over_limit += 1
        lines.append(line)
    return sorted(lines, key=lambda line: line.name.lower())


def skip_reasons(db: Session, access: Access, first: date, last: date) -> Counter | None:
    """Skipped doses of the period by the reason the client gave (the dose log holds them)."""
    if not access.has(Category.DOSE_LOG):
        return None
    rows = db.execute(
        select(DoseEvent.skip_reason, func.count())
        .where(DoseEvent.client_id == access.client.id, DoseEvent.status == DoseStatus.SKIPPED,
               access.window(Category.DOSE_LOG).moments(DoseEvent.occurred_at),
               *_moments_of(access, first, last, DoseEvent.occurred_at))
        .group_by(DoseEvent.skip_reason)).all()
    return Counter({(reason.value if reason else "other"): count for reason, count in rows})


@dataclass
class DecisionWork:
    """What the client is weighing and reviewing, as "questions and experiments" shares it."""

    balances: list[Balance] = field(default_factory=list)
    experiments: list[Experiment] = field(default_factory=list)  # with worries or answers
    answered: list[Checkpoint] = field(default_factory=list)     # newest first
    next_steps: list[Checkpoint] = field(default_factory=list)   # answers naming a next step

    def __bool__(self) -> bool:
        return bool(self.balances or self.experiments or self.answered)


def decision_work(db: Session, access: Access) -> DecisionWork:
    if not access.has(Category.QUESTIONS):
        return DecisionWork()
    window = access.window(Category.QUESTIONS)
    client_id = access.client.id
    balances = list(db.scalars(
        select(Balance).where(Balance.client_id == client_id, Balance.done_at.is_(None),
                              window.moments(Balance.created_at))
        .options(selectinload(Balance.reasons)).order_by(Balance.created_at)))
    experiments = list(db.scalars(
        select(Experiment).where(Experiment.client_id == client_id,
                                 window.dates(Experiment.changed_on))
        .options(selectinload(Experiment.checkpoints)).order_by(Experiment.changed_on.desc())))
    answered = sorted((checkpoint for experiment in experiments
                       for checkpoint in experiment.checkpoints
                       if checkpoint.completed_at and window.covers(checkpoint.due_on)),
                      key=lambda checkpoint: checkpoint.due_on, reverse=True)
    return DecisionWork(
        balances=balances,
        experiments=[e for e in experiments
                     if e.worries or any(c in answered for c in e.checkpoints)],
        answered=answered,
        next_steps=[checkpoint for checkpoint in answered if checkpoint.next_step.strip()])


__all__ = ["AsNeededUse", "DecisionWork", "as_needed_use", "decision_work", "skip_reasons"]
