"""Decisions the client owns: experiments around a medication change, checkpoints that lay the
client's own record before and after the change side by side, and appointment preparation.

The comparison is arithmetic on what the client logged, over MATCHED windows: the same number
of days just before the change and just before the checkpoint, each with the number of days
that had an entry, so thin data shows as thin. Tend never says whether a change worked: the
verdict is the client's."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from models import (AppointmentNote, Balance, BalanceReason, CheckIn, Checkpoint, Expectation,
                    Experiment, ExperimentKind, Medication, MedicationStatus, NoteKind,
                    Question, Ruler, Side, SideEffect, User, Verdict)
from models.journal import CHECKIN_FIELD, CHECKIN_MEASURES as MEASURE_FIELDS
from tend.services import insights, lookup, medications, schedule
from tend.services.errors import FieldError, raise_any

CHECKIN_MEASURES = tuple(item.name for item in MEASURE_FIELDS)
SIDE_EFFECT_PREFIX = "side_effect:"
SUGGESTED_CHECKPOINT_WEEKS = (2, 4, 8)
DEFAULT_BASELINE_DAYS = 14
BASELINE_CHOICES = (7, 14, 28)
MAX_CHECKPOINTS = 8
MAX_MEASURES = 8
TEXT_LIMIT = 2000

VERDICT_LABELS = {
    Verdict.HELPING: _l("It seems to be helping"),
    Verdict.MIXED: _l("Mixed: some better, some worse"),
    Verdict.NO_CHANGE: _l("I don't notice a difference"),
    Verdict.NOT_HELPING: _l("It isn't helping, or it's making things harder"),
    Verdict.UNSURE: _l("Too early to say"),
}
KIND_LABELS = {
    ExperimentKind.START: _l("Starting a medication"),
    ExperimentKind.CHANGE: _l("Changing a dose or schedule"),
    ExperimentKind.STOP: _l("Stopping or lowering a medication"),
}
# Strategies besides medication a client can try as an experiment ("own": in their words,
# the experiment's title says what).
STRATEGIES = {
    "sleep_routine": _l("A sleep routine"),
    "exercise": _l("Exercise"),
    "therapy_homework": _l("Therapy homework"),
    "less_alcohol": _l("Cutting down alcohol"),
    "less_caffeine": _l("Cutting down caffeine"),
    "own": _l("Something of my own"),
}
RULER_RANGE = (0, 10)


# --- Measures ------------------------------------------------------------------------------

def side_effect_measure(symptom: str) -> str:
    return SIDE_EFFECT_PREFIX + symptom.strip().lower()


def symptom_of(measure: str) -> str | None:
    return measure[len(SIDE_EFFECT_PREFIX):] if measure.startswith(SIDE_EFFECT_PREFIX) else None


def measure_label(measure: str) -> str:
    symptom = symptom_of(measure)
    if symptom is not None:
        return str(_l("Side effect: %(symptom)s", symptom=symptom))
    return str(CHECKIN_FIELD[measure].label)


def is_valid_measure(measure: str) -> bool:
    symptom = symptom_of(measure)
    if symptom is not None:
        return 0 < len(symptom) <= 80
    return measure in CHECKIN_MEASURES


def experiment_label(experiment: Experiment) -> str:
    """What the experiment is about: "Starting a medication", "A sleep routine"."""
    if experiment.strategy:
        return str(STRATEGIES[experiment.strategy])
    return str(KIND_LABELS[experiment.kind])


# --- The comparison --------------------------------------------------------------------------

@dataclass
class Window:
    first: date
    last: date
    values: list[float | None]  # one per day, None where nothing was logged

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def length(self) -> int:
        return len(self.values)

    @property
    def logged(self) -> int:
        return sum(1 for value in self.values if value is not None)

    @property
    def average(self) -> float | None:
        logged = [value for value in self.values if value is not None]
        return round(sum(logged) / len(logged), 2) if logged else None


@dataclass
class MeasureComparison:
    measure: str
    before: Window
    after: Window

    @property
    def label(self) -> str:
        return measure_label(self.measure)

    @property
    def difference(self) -> float | None:
        if self.before.average is None or self.after.average is None:
            return None
        return round(self.after.average - self.before.average, 2)


@dataclass
class Comparison:
    """Before and after, over windows of ``window_days`` days each. ``window_days`` is 0 when
    there is nothing to compare yet (the checkpoint is on the day of the change)."""

    window_days: int
    measures: list[MeasureComparison] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The figures as kept with a completed checkpoint (plain JSON values)."""
        return {"window_days": self.window_days, "measures": [
            {"measure": m.measure,
             **{side: {"first": w.first.isoformat(), "last": w.last.isoformat(),
                       "days": w.length, "logged": w.logged, "average": w.average}
                for side, w in (("before", m.before), ("after", m.after))}}
            for m in self.measures]}


def matched_windows(changed_on: date, until: date, baseline_days: int
                    ) -> tuple[insights.Period, insights.Period] | None:
    """The same number of days just before the change and just before ``until``.

    The length is the baseline the client chose, shortened when ``until`` comes sooner, so
    the "after" window never reaches back before the change."""
    length = min(baseline_days, (until - changed_on).days)
    if length <= 0:
        return None
    before = insights.Period(changed_on - timedelta(days=length), changed_on - timedelta(days=1))
    after = insights.Period(until - timedelta(days=length), until - timedelta(days=1))
    return before, after


def _side_effect_levels(db: Session, client: User, period: insights.Period, symptom: str,
                        checkin_days: set[date]) -> list[float | None]:
    """The strongest severity of ``symptom`` each day (0-3). A day counts as logged when the
    client wrote a check-in that day or a side-effect entry for this symptom covers it."""
    by_day = insights.side_effects_by_day(db, client, period, period.last)
    values = []
    for day in period.days:
        levels = [insights.SEVERITY_LEVEL[item.severity] for item in by_day[day].items
                  if item.symptom.strip().lower() == symptom] if day in by_day else []
        if levels:
            values.append(float(max(levels)))
        else:
            values.append(0.0 if day in checkin_days else None)
    return values


def _checkin_days(db: Session, client: User, period: insights.Period) -> set[date]:
    return set(db.scalars(select(CheckIn.local_date).where(
        CheckIn.client_id == client.id, CheckIn.local_date.between(period.first, period.last))))


def daily_values(db: Session, client: User, measures: list[str], period: insights.Period
                  ) -> dict[str, list[float | None]]:
    fields = [m for m in measures if m in CHECKIN_MEASURES]
    values = {name: series.values for name, series
              in insights.checkin_series(db, client, period, fields).items()}
    symptoms = [m for m in measures if symptom_of(m) is not None]
    if symptoms:
        days = _checkin_days(db, client, period)
        for measure in symptoms:
            values[measure] = _side_effect_levels(db, client, period, symptom_of(measure), days)
    return values


def compare(db: Session, client: User, experiment: Experiment, until: date) -> Comparison:
    """The experiment's measures before the change and before ``until``, matched."""
    windows = matched_windows(experiment.changed_on, until, experiment.baseline_days)
    if windows is None:
        return Comparison(0)
    before, after = windows
    before_values = daily_values(db, client, experiment.measures, before)
    after_values = daily_values(db, client, experiment.measures, after)
    return Comparison(len(before.days), [
        MeasureComparison(m, Window(before.first, before.last, before_values[m]),
                          Window(after.first, after.last, after_values[m]))
        for m in experiment.measures])


# --- Experiments ------------------------------------------------------------------------------

@dataclass
class ExperimentInput:
    kind: ExperimentKind
    title: str
    changed_on: date
    hopes: str
    measures: list[str]
    checkpoints: list[date]
    worries: str = ""
    baseline_days: int = DEFAULT_BASELINE_DAYS
    medication_id: int | None = None
    strategy: str = ""           # empty: a medication change
    agreed_with: str = ""        # the trial period and dates agreed with this person...
    agreed_on: date | None = None  # ...on this day
    rulers: "RulerInput | None" = None  # at the start


def suggested_checkpoints(changed_on: date) -> list[date]:
    return [changed_on + timedelta(weeks=weeks) for weeks in SUGGESTED_CHECKPOINT_WEEKS]


def checkpoint_errors(checkpoints: list[date], changed_on: date | None) -> list[FieldError]:
    """What is wrong with an experiment's dates to look back on (a form shows it with its
    other errors)."""
    dates = sorted(set(checkpoints))
    if not dates:
        return [FieldError("checkpoints", _l("Add at least one date to look back."))]
    if len(dates) > MAX_CHECKPOINTS:
        return [FieldError("checkpoints", _l("Use at most %(max)d dates.", max=MAX_CHECKPOINTS))]
    if changed_on and dates[0] <= changed_on:
        return [FieldError("checkpoints", _l("Choose dates after the day of the change."))]
    return []


def _measure_errors(measures: list[str]) -> list[FieldError]:
    if not measures:
        return [FieldError("measures", _l("Choose at least one thing to keep an eye on."))]
    if len(measures) > MAX_MEASURES:
        return [FieldError("measures", _l("Choose at most %(max)d things.", max=MAX_MEASURES))]
    if not all(is_valid_measure(m) for m in measures):
        return [FieldError("measures", _l("Choose from the list."))]
    return []


def _check_input(db: Session, client: User, data: ExperimentInput) -> Medication | None:
    """The medication the experiment is about, once every rule is checked (all errors found
    are raised together)."""
    med, errors = None, []
    if data.medication_id not in (None, ""):
        med = medications.medication_of(db, client, data.medication_id)
        if med is None:
            errors.append(FieldError("medication_id", _l("Choose one of your medications.")))
    errors += _measure_errors(list(dict.fromkeys(data.measures)))
    errors += checkpoint_errors(data.checkpoints, data.changed_on)
    if data.baseline_days not in BASELINE_CHOICES:
        errors.append(FieldError("baseline_days", _l("Choose one of the options.")))
    if data.strategy and data.strategy not in STRATEGIES:
        errors.append(FieldError("strategy", _l("Choose one of the options.")))
    errors += agreement_errors(data.agreed_with, data.agreed_on)
    raise_any(errors)
    return med


def agreement_errors(agreed_with: str, agreed_on: date | None) -> list[FieldError]:
    if len(agreed_with.strip()) > 120:
        return [FieldError("agreed_with", _l("Use at most %(max)d characters.", max=120))]
    if agreed_on and not agreed_with.strip():
        return [FieldError("agreed_with", _l("Write who you agreed it with."))]
    return []


def create_experiment(db: Session, client: User, data: ExperimentInput,
                      now: datetime) -> Experiment:
    med = _check_input(db, client, data)
    experiment = Experiment(
        client_id=client.id, medication=med, kind=data.kind, title=data.title.strip(),
        changed_on=data.changed_on, hopes=data.hopes.strip(), worries=data.worries.strip(),
        measures=list(dict.fromkeys(data.measures)), baseline_days=data.baseline_days,
        strategy=data.strategy, agreed_with=data.agreed_with.strip(),
        agreed_on=data.agreed_on if data.agreed_with.strip() else None, created_at=now)
    experiment.checkpoints = [Checkpoint(due_on=day) for day in sorted(set(data.checkpoints))]
    db.add(experiment)
    if data.rulers is not None:
        record_rulers(db, experiment, None, data.rulers, now)
    db.flush()
    return experiment


def mark_agreed(experiment: Experiment, agreed_with: str, agreed_on: date | None) -> None:
    """The trial period and checkpoint dates, as agreed with someone (empty: not agreed)."""
    raise_any(agreement_errors(agreed_with, agreed_on))
    experiment.agreed_with = agreed_with.strip()
    experiment.agreed_on = agreed_on if experiment.agreed_with else None


# --- Readiness rulers -----------------------------------------------------------------------

@dataclass
class RulerInput:
    """"How important is this to me" and "how confident am I" (0-10, each optional)."""

    importance: int | None = None
    importance_reason: str = ""
    confidence: int | None = None
    confidence_reason: str = ""

    @property
    def is_empty(self) -> bool:
        return self.importance is None and self.confidence is None and \
            not self.importance_reason.strip() and not self.confidence_reason.strip()


def _check_ruler(field_name: str, value: int | None, reason: str) -> None:
    low, high = RULER_RANGE
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or not low <= value <= high):
        raise FieldError(field_name, _l("Choose a number from 0 to 10."))
    if len(reason) > TEXT_LIMIT:
        raise FieldError(field_name + "_reason",
                         _l("Use at most %(max)d characters.", max=TEXT_LIMIT))


def ruler_at(experiment: Experiment, checkpoint: Checkpoint | None) -> Ruler | None:
    """The rulers given at the start (``checkpoint`` None) or at one checkpoint."""
    wanted = checkpoint.id if checkpoint is not None else None
    return next((r for r in experiment.rulers if r.checkpoint_id == wanted), None)


def record_rulers(db: Session, experiment: Experiment, checkpoint: Checkpoint | None,
                  data: RulerInput, now: datetime) -> Ruler | None:
    """Keep (or replace) the rulers of the start or of a checkpoint; all empty removes them."""
    _check_ruler("importance", data.importance, data.importance_reason)
    _check_ruler("confidence", data.confidence, data.confidence_reason)
    ruler = ruler_at(experiment, checkpoint) if experiment.id else None
    if data.is_empty:
        if ruler is not None:
            experiment.rulers.remove(ruler)
        return None
    if ruler is None:
        ruler = Ruler(checkpoint_id=checkpoint.id if checkpoint is not None else None)
        experiment.rulers.append(ruler)
    ruler.importance, ruler.confidence = data.importance, data.confidence
    ruler.importance_reason = data.importance_reason.strip()
    ruler.confidence_reason = data.confidence_reason.strip()
    ruler.recorded_at = now
    return ruler


def rulers_over_time(experiment: Experiment) -> list[tuple[date, Checkpoint | None, Ruler]]:
    """The rulers in order: the start's (on the day of the change), then each checkpoint's."""
    by_checkpoint = {r.checkpoint_id: r for r in experiment.rulers}
    result = []
    if None in by_checkpoint:
        result.append((experiment.changed_on, None, by_checkpoint[None]))
    result += [(c.due_on, c, by_checkpoint[c.id]) for c in experiment.checkpoints
               if c.id in by_checkpoint]
    return result


# --- What to expect -------------------------------------------------------------------------

@dataclass
class ExpectationInput:
    said_by: str = ""
    effects: str = ""
    side_effects: str = ""
    when_to_call: str = ""
    by_when: date | None = None


def expectation_of(db: Session, client: User, *, experiment: Experiment | None = None,
                   medication: Medication | None = None) -> Expectation | None:
    column, owner = (Expectation.experiment_id, experiment) if experiment is not None \
        else (Expectation.medication_id, medication)
    return db.scalar(select(Expectation).where(Expectation.client_id == client.id,
                                               column == owner.id))


def save_expectation(db: Session, client: User, data: ExpectationInput, now: datetime, *,
                     experiment: Experiment | None = None,
                     medication: Medication | None = None) -> Expectation | None:
    """What the prescriber or pharmacist said to expect, of one experiment or one
    medication; all empty removes it."""
    for name, limit in (("said_by", 120), ("effects", TEXT_LIMIT),
                        ("side_effects", TEXT_LIMIT), ("when_to_call", TEXT_LIMIT)):
        if len(getattr(data, name).strip()) > limit:
            raise FieldError(name, _l("Use at most %(max)d characters.", max=limit))
    item = expectation_of(db, client, experiment=experiment, medication=medication)
    texts = [getattr(data, n).strip() for n in ("said_by", "effects", "side_effects",
                                                "when_to_call")]
    if not any(texts) and data.by_when is None:
        if item is not None:
            db.delete(item)
            db.flush()
        return None
    if item is None:
        item = Expectation(client_id=client.id,
                           experiment_id=experiment.id if experiment is not None else None,
                           medication_id=medication.id if medication is not None else None)
        db.add(item)
    item.said_by, item.effects, item.side_effects, item.when_to_call = texts
    item.by_when, item.updated_at = data.by_when, now
    db.flush()
    return item


def expectations_for(db: Session, client: User, experiment: Experiment) -> list[Expectation]:
    """What to expect of an experiment, and of its medication if it has one."""
    items = [expectation_of(db, client, experiment=experiment)]
    if experiment.medication is not None:
        items.append(expectation_of(db, client, medication=experiment.medication))
    return [item for item in items if item is not None]


def experiments_of(db: Session, client: User) -> list[Experiment]:
    """Ongoing first (newest change first), then the ones the client has closed."""
    items = db.scalars(select(Experiment).where(Experiment.client_id == client.id)
                       .options(selectinload(Experiment.checkpoints),
                                selectinload(Experiment.medication))
                       .order_by(Experiment.changed_on.desc(), Experiment.id.desc())).all()
    return sorted(items, key=lambda e: e.ended_at is not None)


def experiment_of(db: Session, client: User, experiment_id) -> Experiment | None:
    return lookup.owned(db, Experiment, client.id, experiment_id)


def checkpoint_of(experiment: Experiment, checkpoint_id) -> Checkpoint | None:
    return next((c for c in experiment.checkpoints if str(c.id) == str(checkpoint_id)), None)


def is_reached(checkpoint: Checkpoint, today: date) -> bool:
    return today >= checkpoint.due_on


def due_checkpoints(db: Session, client: User, today: date) -> list[Checkpoint]:
    """Checkpoints of ongoing experiments whose day has come and that await the client."""
    return db.scalars(select(Checkpoint).join(Experiment).where(
        Experiment.client_id == client.id, Experiment.ended_at.is_(None),
        Checkpoint.completed_at.is_(None), Checkpoint.due_on <= today)
        .order_by(Checkpoint.due_on)).all()


def complete_checkpoint(db: Session, client: User, checkpoint: Checkpoint, *,
                        verdict: Verdict, reflection: str, next_step: str,
                        now: datetime, rulers: RulerInput | None = None) -> None:
    """Keep the client's verdict with the figures they saw when they gave it, and the
    rulers they gave at this checkpoint, if any."""
    today = schedule.local_today(client, now)
    if not is_reached(checkpoint, today):
        raise FieldError("verdict", _l("This checkpoint comes later. You can look back "
                                       "from its date on."))
    if rulers is not None:
        record_rulers(db, checkpoint.experiment, checkpoint, rulers, now)
    figures = compare(db, client, checkpoint.experiment, checkpoint.due_on)
    checkpoint.verdict, checkpoint.figures = verdict, figures.as_dict()
    checkpoint.reflection, checkpoint.next_step = reflection.strip(), next_step.strip()
    checkpoint.completed_at = now
    db.flush()


def add_checkpoint(db: Session, experiment: Experiment, day: date) -> Checkpoint:
    if day <= experiment.changed_on:
        raise FieldError("due_on", _l("Choose a date after the day of the change."))
    if any(c.due_on == day for c in experiment.checkpoints):
        raise FieldError("due_on", _l("There is already a checkpoint on that date."))
    if len(experiment.checkpoints) >= MAX_CHECKPOINTS:
        raise FieldError("due_on", _l("Use at most %(max)d dates.", max=MAX_CHECKPOINTS))
    checkpoint = Checkpoint(due_on=day)
    experiment.checkpoints.append(checkpoint)
    db.flush()
    return checkpoint


def end_experiment(experiment: Experiment, now: datetime) -> None:
    experiment.ended_at = experiment.ended_at or now


def reopen_experiment(experiment: Experiment) -> None:
    experiment.ended_at = None


# --- Appointment preparation --------------------------------------------------------------------

def _text(field_name: str, text: str, limit: int = TEXT_LIMIT) -> str:
    text = (text or "").strip()
    if not text:
        raise FieldError(field_name, _l("Write a few words first."))
    if len(text) > limit:
        raise FieldError(field_name, _l("Use at most %(max)d characters.", max=limit))
    return text


def notes_of(db: Session, client: User, kind: NoteKind, include_done: bool = False
             ) -> list[AppointmentNote]:
    query = select(AppointmentNote).where(AppointmentNote.client_id == client.id,
                                          AppointmentNote.kind == kind)
    if not include_done:
        query = query.where(AppointmentNote.done_at.is_(None))
    return db.scalars(query.order_by(AppointmentNote.created_at, AppointmentNote.id)).all()


def add_note(db: Session, client: User, kind: NoteKind, text: str,
             now: datetime, link=None) -> AppointmentNote:
    """A goal or a concern; a goal may be linked to a measure (``link``, a
    ``goals.GoalLink``)."""
    note = AppointmentNote(client_id=client.id, kind=kind, text=_text("text", text),
                           created_at=now)
    if link is not None and link.measure:
        if kind is not NoteKind.GOAL:
            raise FieldError("measure", _l("Only a goal can be linked to a measure."))
        link.check()
        note.measure, note.direction, note.target = link.measure, link.direction, link.target
    db.add(note)
    db.flush()
    return note


def note_of(db: Session, client: User, note_id) -> AppointmentNote | None:
    return lookup.owned(db, AppointmentNote, client.id, note_id)


def balances_of(db: Session, client: User) -> list[Balance]:
    return db.scalars(select(Balance).where(Balance.client_id == client.id,
                                            Balance.done_at.is_(None))
                      .options(selectinload(Balance.reasons))
                      .order_by(Balance.created_at, Balance.id)).all()


def balance_of(db: Session, client: User, balance_id) -> Balance | None:
    return lookup.owned(db, Balance, client.id, balance_id)


def add_balance(db: Session, client: User, topic: str, now: datetime) -> Balance:
    balance = Balance(client_id=client.id, topic=_text("topic", topic, 200), created_at=now)
    db.add(balance)
    db.flush()
    return balance


def add_reason(db: Session, balance: Balance, side: Side, text: str,
               now: datetime) -> BalanceReason:
    reason = BalanceReason(side=side, text=_text("text", text, 500), created_at=now)
    balance.reasons.append(reason)
    db.flush()
    return reason


def reason_of(balance: Balance, reason_id) -> BalanceReason | None:
    return next((r for r in balance.reasons if str(r.id) == str(reason_id)), None)


def questions_of(db: Session, client: User) -> list[Question]:
    """Open questions first (oldest first), then asked ones, then answered (newest first)."""
    items = db.scalars(select(Question).where(Question.client_id == client.id)
                       .order_by(Question.created_at, Question.id)).all()
    open_ = [q for q in items if q.asked_at is None and q.answered_at is None]
    asked = [q for q in items if q.asked_at is not None and q.answered_at is None]
    answered = sorted((q for q in items if q.answered_at is not None),
                      key=lambda q: q.answered_at, reverse=True)
    return open_ + asked + answered


def question_of(db: Session, client: User, question_id) -> Question | None:
    return lookup.owned(db, Question, client.id, question_id)


def add_question(db: Session, client: User, text: str, now: datetime) -> Question:
    question = Question(client_id=client.id, text=_text("text", text), created_at=now)
    db.add(question)
    db.flush()
    return question


def mark_asked(question: Question, now: datetime) -> None:
    question.asked_at = question.asked_at or now


def record_answer(question: Question, answer: str, now: datetime) -> None:
    question.answer = _text("answer", answer)
    question.asked_at = question.asked_at or now
    question.answered_at = now


def reopen_question(question: Question) -> None:
    question.asked_at = question.answered_at = None
    question.answer = ""


# --- The appointment summary -----------------------------------------------------------------------

SUMMARY_PERIODS = (14, 30, 90)
DEFAULT_SUMMARY_DAYS = 30


@dataclass
class Average:
    measure: str
    average: float | None
    logged: int

    @property
    def label(self) -> str:
        return measure_label(self.measure)


@dataclass
class Summary:
    """One page for an appointment, from the client's own record and their notes.

    ``sections`` are the insights sections included (all of them for the client; only the
    granted ones when a supporter reads it); notes, questions and experiments are included
    only when ``include_notes`` is set."""

    period: insights.Period
    record: insights.Insights
    averages: list[Average]
    current_medications: list[medications.Dosing]  # as they stand at the period's end
    side_effects: list = field(default_factory=list)
    include_notes: bool = True
    goals: list[AppointmentNote] = field(default_factory=list)
    concerns: list[AppointmentNote] = field(default_factory=list)
    balances: list[Balance] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    experiments: list[Experiment] = field(default_factory=list)


def _averages(record: insights.Insights) -> list[Average]:
    return [Average(name, round(sum(s.logged) / len(s.logged), 1) if s.logged else None,
                    len(s.logged)) for name, s in record.series.items()]


def _side_effects_in(db: Session, client: User, period: insights.Period, since: date | None):
    query = select(SideEffect).where(
        SideEffect.client_id == client.id, SideEffect.started_on <= period.last,
        or_(SideEffect.ended_on.is_(None), SideEffect.ended_on >= period.first))
    if since:
        query = query.where(SideEffect.started_on >= since)
    return db.scalars(query.order_by(SideEffect.started_on.desc())).all()


def summary(db: Session, client: User, now: datetime, days: int = DEFAULT_SUMMARY_DAYS,
            sections=insights.SECTIONS, include_notes: bool = True,
            since: date | None = None) -> Summary:
    """Everything for "Prepare for my appointment", limited to ``sections``."""
    record = insights.build(db, client, now, days, sections, since)
    meds = []
    if record.shows(insights.MEDICATIONS):
        meds = [medications.dosing_on(m, client, record.period.last, now)
                for m in medications.medications_of(db, client)
                if m.status is not MedicationStatus.STOPPED
                or (m.ended_on and m.ended_on >= record.period.first)]
    result = Summary(record.period, record, _averages(record), meds,
                     include_notes=include_notes)
    if record.shows(insights.SIDE_EFFECTS):
        result.side_effects = _side_effects_in(db, client, record.period, since)
    if include_notes:
        result.goals = notes_of(db, client, NoteKind.GOAL)
        result.concerns = notes_of(db, client, NoteKind.CONCERN)
        result.balances = balances_of(db, client)
        result.questions = [q for q in questions_of(db, client) if q.answered_at is None]
        result.experiments = [e for e in experiments_of(db, client) if e.ended_at is None]
    return result
